//! Sticky buckets for rollouts and splits. This formula is frozen: the same inputs give the
//! same bucket on every platform and in every release, so nobody flips between variants.
//!
//! `bucket = (murmur3_x86_32("{salt}:{value}", seed 0) as u64 * 100_000) >> 32`, in
//! `0..100_000`; a context is in a `p`% rollout iff `bucket < p * 1000`. The salt is the flag's
//! name unless `salt` is set, and the value is the context key or the `bucket_by` attribute.
//! murmur3 x86_32 with seed 0 is the hash Unleash and flagd use.

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
    bucket_salted(&Salt::new(salt), value)
}

/// A salt with its `:` separator, hashed once when definitions load: each evaluation hashes
/// only the value.
#[derive(Debug)]
pub(crate) struct Salt(Murmur3);

impl Salt {
    pub(crate) fn new(salt: &str) -> Salt {
        Salt(Murmur3::default().write(salt.as_bytes()).write(b":"))
    }
}

/// [`bucket`], with the salt hashed beforehand.
#[inline(never)]
pub(crate) fn bucket_salted(salt: &Salt, value: &str) -> u32 {
    scale(salt.0.finish_with(value.as_bytes()))
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
    scale(salt.0.write(sign).write(&digits[position..]).finish())
}

#[inline]
fn scale(hash: u32) -> u32 {
    ((u64::from(hash) * u64::from(BUCKETS)) >> 32) as u32
}

/// murmur3 x86_32 with seed 0, fed in pieces without joining them (so without copying), and
/// freely copied, so that a prefix hashed once can be continued many times. The same bytes
/// give the same hash however they are split. (Written here because `mur3::Hasher32` can be
/// neither copied nor resumed, and the one-shot functions need the pieces joined. The tests
/// below check it against `mur3`, and `tests/bucket.rs` checks [`bucket`] against `murmur3`.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Murmur3 {
    /// The state after every whole four-byte block fed so far.
    hash: u32,
    /// The `length % 4` bytes fed after the last whole block, little-endian.
    pending: u32,
    /// The length fed so far, modulo 2^32: murmur3 mixes in the length as a `u32`.
    length: u32,
}

impl Murmur3 {
    #[inline(always)]
    fn write(self, bytes: &[u8]) -> Murmur3 {
        let length = self.length.wrapping_add(bytes.len() as u32);
        let mut hash = self.hash;
        let mut rest = bytes;
        // Blocks are aligned to the whole input: complete the pending one first, and the
        // blocks after it are whole words of `bytes`.
        let pending_length = (self.length % 4) as usize;
        if pending_length > 0 {
            let Some((head, tail)) = bytes.split_at_checked(4 - pending_length) else {
                let pending = self.pending | read_short(bytes) << (8 * pending_length);
                return Murmur3 {
                    hash,
                    pending,
                    length,
                };
            };
            hash = mix_block(
                hash,
                self.pending | read_short(head) << (8 * pending_length),
            );
            rest = tail;
        }
        while let Some((word, tail)) = rest.split_first_chunk::<4>() {
            hash = mix_block(hash, u32::from_le_bytes(*word));
            rest = tail;
        }
        Murmur3 {
            hash,
            pending: read_short(rest),
            length,
        }
    }

    /// `self.write(bytes).finish()`, quicker for the last piece of four bytes or more: its
    /// first word completes the pending block and its last word gives the bytes left over,
    /// each in one load, where [`Murmur3::write`] reads them a byte at a time.
    #[inline(always)]
    fn finish_with(self, bytes: &[u8]) -> u32 {
        let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) else {
            return self.write(bytes).finish();
        };
        let length = self.length.wrapping_add(bytes.len() as u32);
        let mut hash = self.hash;
        let mut rest = bytes;
        let pending_length = (self.length % 4) as usize;
        if pending_length > 0 {
            // Shifted past the pending bytes, the word keeps the `4 - pending_length` bytes
            // that complete their block.
            let head = u32::from_le_bytes(*first) << (8 * pending_length);
            hash = mix_block(hash, self.pending | head);
            rest = bytes.get(4 - pending_length..).unwrap_or_default();
        }
        while let Some((word, tail)) = rest.split_first_chunk::<4>() {
            hash = mix_block(hash, u32::from_le_bytes(*word));
            rest = tail;
        }
        // The bytes left over end the piece: they are the top bytes of its last word.
        let pending = match rest.len() {
            0 => 0,
            left => u32::from_le_bytes(*last) >> (8 * (4 - left)),
        };
        Murmur3 {
            hash,
            pending,
            length,
        }
        .finish()
    }

    #[inline(always)]
    fn finish(self) -> u32 {
        // Scrambling no pending bytes (zero) gives zero, which leaves the hash alone.
        let mut hash = self.hash ^ scramble(self.pending) ^ self.length;
        hash ^= hash >> 16;
        hash = hash.wrapping_mul(0x85eb_ca6b);
        hash ^= hash >> 13;
        hash = hash.wrapping_mul(0xc2b2_ae35);
        hash ^ (hash >> 16)
    }
}

#[inline(always)]
fn scramble(block: u32) -> u32 {
    block
        .wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593)
}

#[inline(always)]
fn mix_block(hash: u32, block: u32) -> u32 {
    (hash ^ scramble(block))
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

/// Up to three bytes, little-endian; the loads overlap rather than loop.
#[inline(always)]
fn read_short(bytes: &[u8]) -> u32 {
    let length = bytes.len();
    if length == 0 {
        return 0;
    }
    let byte = |at: usize| bytes.get(at).map_or(0, |&byte| u32::from(byte)) << (8 * at);
    byte(0) | byte(length / 2) | byte(length - 1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Murmur3, Salt, bucket_int, bucket_salted};

    proptest! {
        /// However the input is split, the pieces hash as the reference hashes them joined.
        #[test]
        fn pieces_hash_as_joined(
            bytes in prop::collection::vec(any::<u8>(), 0..80),
            first in any::<prop::sample::Index>(),
            second in any::<prop::sample::Index>(),
        ) {
            let (first, second) = {
                let (a, b) = (first.index(bytes.len() + 1), second.index(bytes.len() + 1));
                (a.min(b), a.max(b))
            };
            let hashed = Murmur3::default()
                .write(&bytes[..first])
                .write(&bytes[first..second])
                .write(&bytes[second..])
                .finish();
            prop_assert_eq!(hashed, mur3::murmurhash3_x86_32(&bytes, 0));
        }

        /// The last piece, read a word at a time, hashes as when read a byte at a time,
        /// whatever was fed before it.
        #[test]
        fn last_piece_hashes_as_any_piece(
            prefix in prop::collection::vec(any::<u8>(), 0..12),
            bytes in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            let start = Murmur3::default().write(&prefix);
            prop_assert_eq!(start.finish_with(&bytes), start.write(&bytes).finish());
            let joined = [prefix.as_slice(), bytes.as_slice()].concat();
            prop_assert_eq!(start.finish_with(&bytes), mur3::murmurhash3_x86_32(&joined, 0));
        }

        /// Integers bucket as their decimal text does.
        #[test]
        fn integers_bucket_as_their_text(salt in "\\PC{0,12}", value in any::<i64>()) {
            let salt = Salt::new(&salt);
            prop_assert_eq!(bucket_int(&salt, value), bucket_salted(&salt, &value.to_string()));
        }
    }
}
