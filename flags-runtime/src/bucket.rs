//! Sticky buckets for rollouts and splits. This formula is frozen: the same inputs give the
//! same bucket on every platform and in every release, so nobody flips between variants.
//!
//! `bucket = (murmur3_x86_32("{salt}:{value}", seed 0) as u64 * 100_000) >> 32`, in
//! `0..100_000`; a context is in a `p`% rollout iff `bucket < p * 1000`. The salt is the flag's
//! name unless `salt` is set, and the value is the context key or the `bucket_by` attribute.
//! murmur3 x86_32 with seed 0 is the hash Unleash and flagd use.

use std::hash::Hasher;

use mur3::Hasher32;

/// How many buckets there are: a percentage has three decimals.
pub const BUCKETS: u32 = 100_000;

/// The bucket of `value` under `salt`.
///
/// ```
/// // Pinned vectors: these may never change.
/// assert_eq!(flags_runtime::bucket("new_registration_flow", "u-1001"), 80_090);
/// ```
#[inline]
pub fn bucket(salt: &str, value: &str) -> u32 {
    bucket_of_parts(salt.as_bytes(), b"", value.as_bytes())
}

/// Joins `salt:sign digits` in a stack buffer when it fits (one-shot hashing is several times
/// faster than feeding pieces), and streams the pieces otherwise. Same bytes, same hash.
#[inline]
fn bucket_of_parts(salt: &[u8], sign: &[u8], value: &[u8]) -> u32 {
    const JOINED: usize = 128;
    let parts: [&[u8]; 4] = [salt, b":", sign, value];
    let length: usize = parts.iter().map(|part| part.len()).sum();
    let hash = if length <= JOINED {
        let mut joined = [0u8; JOINED];
        let mut at = 0;
        for part in parts {
            at = append(&mut joined, at, part);
        }
        mur3::murmurhash3_x86_32(&joined[..length], 0)
    } else {
        let mut hasher = Hasher32::with_seed(0);
        for part in parts {
            hasher.write(part);
        }
        hasher.finish32()
    };
    scale(hash)
}

/// Copies `part` to `joined[at..]` by eight-byte words: for the short strings hashed here,
/// this is much faster than a call to `memcpy`. The caller checked that everything fits.
#[inline(always)]
fn append(joined: &mut [u8], at: usize, part: &[u8]) -> usize {
    let mut words = part.chunks_exact(8);
    let mut to = at;
    for word in words.by_ref() {
        if let Some(target) = joined.get_mut(to..to + 8)
            && let Ok(target) = <&mut [u8; 8]>::try_from(target)
            && let Ok(word) = <[u8; 8]>::try_from(word)
        {
            *target = word;
        }
        to += 8;
    }
    for &byte in words.remainder() {
        if let Some(target) = joined.get_mut(to) {
            *target = byte;
        }
        to += 1;
    }
    to
}

#[inline]
fn scale(hash: u32) -> u32 {
    ((u64::from(hash) * u64::from(BUCKETS)) >> 32) as u32
}

/// The bucket of an integer attribute: its decimal text, without allocating.
pub(crate) fn bucket_int(salt: &str, value: i64) -> u32 {
    let mut digits = [0u8; 20];
    let mut position = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        position -= 1;
        digits[position] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let sign: &[u8] = if value < 0 { b"-" } else { b"" };
    bucket_of_parts(salt.as_bytes(), sign, &digits[position..])
}
