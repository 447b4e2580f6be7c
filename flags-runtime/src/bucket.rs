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
    hash_parts(&[salt.as_bytes(), b":", value.as_bytes()])
}

/// A salt with its `:` separator, joined once when definitions load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Salt(Box<[u8]>);

impl Salt {
    pub(crate) fn new(salt: &str) -> Salt {
        Salt([salt.as_bytes(), b":"].concat().into())
    }
}

/// [`bucket`], with the salt joined beforehand.
#[inline]
pub(crate) fn bucket_salted(salt: &Salt, value: &str) -> u32 {
    hash_parts(&[&salt.0, value.as_bytes()])
}

/// The bucket of an integer attribute: its decimal text, without allocating.
pub(crate) fn bucket_int(salt: &Salt, value: i64) -> u32 {
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
    hash_parts(&[&salt.0, sign, &digits[position..]])
}

/// Joins the parts in a stack buffer when they fit (one-shot hashing is several times faster
/// than feeding pieces), and streams them otherwise. Same bytes, same hash.
#[inline(always)]
fn hash_parts<const N: usize>(parts: &[&[u8]; N]) -> u32 {
    const JOINED: usize = 128;
    let length: usize = parts.iter().map(|part| part.len()).sum();
    let hash = match length {
        0..=JOINED => {
            let mut joined = [0u8; JOINED];
            let mut at = 0;
            for part in parts {
                if let Some(target) = joined.get_mut(at..at + part.len()) {
                    target.copy_from_slice(part);
                }
                at += part.len();
            }
            mur3::murmurhash3_x86_32(joined.get(..length).unwrap_or_default(), 0)
        }
        _ => {
            let mut hasher = Hasher32::with_seed(0);
            for part in parts {
                hasher.write(part);
            }
            hasher.finish32()
        }
    };
    scale(hash)
}

#[inline]
fn scale(hash: u32) -> u32 {
    ((u64::from(hash) * u64::from(BUCKETS)) >> 32) as u32
}
