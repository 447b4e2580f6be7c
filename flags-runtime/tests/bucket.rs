//! The bucketing formula is frozen: these vectors may never change.

use std::hash::Hasher;

use flags_runtime::{BUCKETS, bucket};
use proptest::prelude::*;

fn murmur3_x86_32(bytes: &[u8]) -> u32 {
    let mut hasher = mur3::Hasher32::with_seed(0);
    hasher.write(bytes);
    hasher.finish32()
}

#[test]
fn murmur3_matches_the_reference_vectors() {
    // From the reference implementation (SMHasher, MurmurHash3_x86_32, seed 0).
    assert_eq!(murmur3_x86_32(b""), 0);
    assert_eq!(murmur3_x86_32(b"hello"), 0x248b_fa47);
    assert_eq!(murmur3_x86_32(b"hello world"), 0x5e92_8f0f);
    assert_eq!(
        murmur3_x86_32(b"The quick brown fox jumps over the lazy dog"),
        0x2e4f_f723
    );
}

#[test]
fn pinned_bucket_vectors() {
    let vectors = [
        ("new_registration_flow", "u-1001", 80_090),
        ("new_registration_flow", "u-1002", 69_562),
        ("checkout_layout", "acct-42", 7_995),
        ("a", "", 94_307),
        ("", "", 16_855),
        ("flag", "ünïcödé", 92_807),
    ];
    for (salt, value, expected) in vectors {
        assert_eq!(bucket(salt, value), expected, "bucket({salt:?}, {value:?})");
    }
}

proptest! {
    /// The formula, against an independent murmur3 implementation.
    #[test]
    fn bucket_is_the_documented_formula(salt in "\\PC{0,20}", value in "\\PC{0,40}") {
        let joined = format!("{salt}:{value}");
        let hash = murmur3::murmur3_32(&mut joined.as_bytes(), 0).unwrap();
        let expected = ((u64::from(hash) * u64::from(BUCKETS)) >> 32) as u32;
        prop_assert_eq!(bucket(&salt, &value), expected);
        prop_assert!(bucket(&salt, &value) < BUCKETS);
    }
}
