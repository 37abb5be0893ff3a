//! Store keys: a namespace, a kind, then the key; keys longer than the store allows are
//! replaced by a SHA-256 digest of the kind and key (the record's header still carries
//! the full logical key, so a digest can never serve another key's data).

use sha2::{Digest, Sha256};

/// What a store key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A cached value.
    Data,
    /// A tag's generation counter.
    Tag,
    /// The namespace's clear epoch (see `epoch`).
    Epoch,
}

impl KeyKind {
    fn letter(self) -> char {
        match self {
            KeyKind::Data => 'k',
            KeyKind::Tag => 't',
            KeyKind::Epoch => 'e',
        }
    }
}

/// Digits of the largest clear epoch (`generation::MAX_GENERATION`).
const EPOCH_DIGITS: usize = 16;

/// Bytes of the longest digested key for `namespace`: stores must allow at least this.
pub fn digest_key_len(namespace: &str) -> usize {
    namespace.len() + 3 + EPOCH_DIGITS + 64
}

/// The logical key recorded in headers: `<namespace>:<kind>:<key>`.
pub fn logical_key(namespace: &str, kind: KeyKind, key: &str) -> String {
    let mut out = String::with_capacity(namespace.len() + 3 + key.len());
    push_prefix(&mut out, namespace, kind.letter(), 0);
    out.push_str(key);
    out
}

/// `<namespace>:<letter><epoch>:`, the epoch left out when it is 0.
fn push_prefix(out: &mut String, namespace: &str, letter: char, epoch: u64) {
    out.push_str(namespace);
    out.push(':');
    out.push(letter);
    if epoch > 0 {
        push_digits(out, epoch);
    }
    out.push(':');
}

/// The decimal digits of `n` (no formatting machinery in the wasm for one number).
fn push_digits(out: &mut String, n: u64) {
    if n >= 10 {
        push_digits(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// The key under which the store keeps `key` in clear `epoch` (see `epoch`): the logical
/// key when it fits in `max_bytes`, else `<namespace>:h:<sha256 hex of "<kind>:<key>">`;
/// after a clear the kind's letter (or `h`) is followed by the epoch.
pub fn store_key(
    namespace: &str,
    kind: KeyKind,
    key: &str,
    max_bytes: usize,
    epoch: u64,
) -> String {
    let mut out =
        String::with_capacity(digest_key_len(namespace).max(namespace.len() + key.len() + 20));
    push_prefix(&mut out, namespace, kind.letter(), epoch);
    if out.len() + key.len() <= max_bytes {
        out.push_str(key);
        return out;
    }
    let mut hasher = Sha256::new();
    hasher.update([kind.letter() as u8, b':']);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    out.clear();
    push_prefix(&mut out, namespace, 'h', epoch);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_kept_long_keys_digested() {
        assert_eq!(
            store_key("ec", KeyKind::Data, "user:1", 512, 0),
            "ec:k:user:1"
        );
        assert_eq!(
            store_key("ec", KeyKind::Tag, "user:1", 512, 0),
            "ec:t:user:1"
        );
        let long = "x".repeat(600);
        let digested = store_key("ec", KeyKind::Data, &long, 512, 0);
        let latest = store_key("ec", KeyKind::Data, &long, 512, 4_503_599_627_370_496);
        assert_eq!(latest.len(), digest_key_len("ec"));
        assert!(digested.starts_with("ec:h:"));
        assert_ne!(
            digested,
            store_key("ec", KeyKind::Tag, &long, 512, 0),
            "kinds never share a digest"
        );
        assert_ne!(
            digested,
            store_key("ec", KeyKind::Data, &"x".repeat(601), 512, 0)
        );
    }

    #[test]
    fn digest_is_sha256_of_kind_and_key() {
        // printf 'k:abc' | sha256sum
        assert_eq!(
            store_key("n", KeyKind::Data, "abc", 5, 0),
            "n:h:cbbf00e084eb4016e5e80bc147b150dd297ef3f2948b196db7f75bd59fd953c6"
        );
    }

    #[test]
    fn a_clear_epoch_moves_data_keys_and_digests() {
        assert_eq!(store_key("ec", KeyKind::Data, "a", 512, 17), "ec:k17:a");
        assert_eq!(store_key("ec", KeyKind::Epoch, "", 512, 0), "ec:e:");
        let long = "x".repeat(600);
        let moved = store_key("ec", KeyKind::Data, &long, 512, 17);
        assert!(moved.starts_with("ec:h17:"));
        assert_eq!(
            &moved[7..],
            &store_key("ec", KeyKind::Data, &long, 512, 0)[5..]
        );
    }
}
