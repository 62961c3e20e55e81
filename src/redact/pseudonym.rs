//! Keyed pseudonyms: the same value always gets the same name under the same key.
//!
//! A pseudonym is `<prefix>-<tag>`, the tag being the first characters of the BLAKE3 keyed hash of
//! the family and the normalised value, written in an alphabet of digits and consonants (no vowels,
//! so a tag never spells a word or a name). The tag depends only on the key and the value, not on
//! the order values were met, so two reports made with the same key give the same value the same
//! pseudonym. When two different values of one family meet on the same tag within a report (about
//! one chance in 800 for a report with a thousand values of one family), the later one in walk
//! order gets a longer tag; that rare value is then not comparable across reports.

use crate::redact::class::Family;
use std::collections::HashMap;

/// Digits and lowercase consonants without look-alikes (0, 1, l).
const ALPHABET: &[u8; 27] = b"23456789bcdfghjkmnpqrstvwxz";
/// Characters of a tag, before collisions.
const TAG_LEN: usize = 6;

/// The secret that decides every pseudonym.
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A key derived from a secret text (`--redact-key`, `SYNCSIFT_REDACT_KEY`).
    pub fn from_secret(secret: &str) -> Key {
        Key {
            bytes: blake3::derive_key("syncsift 2026 redact-key v1", secret.as_bytes()),
        }
    }

    /// A key from 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key { bytes }
    }

    fn tag_source(&self, family: Family, normalised: &str) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_keyed(&self.bytes);
        hasher.update(family.hash_label().as_bytes());
        hasher.update(&[0]);
        hasher.update(normalised.as_bytes());
        *hasher.finalize().as_bytes()
    }
}

/// The value as it is compared: lowercase for case-insensitive families.
pub fn normalise(family: Family, value: &str) -> String {
    if family.case_insensitive() {
        value.to_lowercase()
    } else {
        value.to_owned()
    }
}

/// Pseudonyms given so far in one report, per family, in both directions.
#[derive(Debug)]
pub struct Pseudonyms {
    key: Key,
    given: HashMap<(Family, String), String>,
    taken: HashMap<(Family, String), String>,
}

impl Pseudonyms {
    /// No pseudonyms yet.
    pub fn new(key: Key) -> Pseudonyms {
        Pseudonyms {
            key,
            given: HashMap::new(),
            taken: HashMap::new(),
        }
    }

    /// The tag of `value` in `family` (`7hx2mq`), the same for equal (normalised) values.
    pub fn tag(&mut self, family: Family, value: &str) -> String {
        let normalised = normalise(family, value);
        if let Some(tag) = self.given.get(&(family, normalised.clone())) {
            return tag.clone();
        }
        let source = self.key.tag_source(family, &normalised);
        let mut len = TAG_LEN;
        let tag = loop {
            let tag: String = source[..len.min(source.len())]
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .collect();
            let free = self
                .taken
                .get(&(family, tag.clone()))
                .is_none_or(|owner| *owner == normalised);
            if free || len >= source.len() {
                break tag;
            }
            len += 2;
        };
        self.taken.insert((family, tag.clone()), normalised.clone());
        self.given.insert((family, normalised), tag.clone());
        tag
    }

    /// `<prefix>-<tag>` of `value` in `family` (`user-7hx2mq`).
    pub fn name(&mut self, family: Family, value: &str) -> String {
        format!("{}-{}", family.prefix(), self.tag(family, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_name_case_insensitively_and_across_instances() {
        let mut a = Pseudonyms::new(Key::from_secret("k"));
        let mut b = Pseudonyms::new(Key::from_secret("k"));
        let first = a.name(Family::User, "jdoe");
        assert_eq!(a.name(Family::User, "JDoe"), first);
        b.name(Family::User, "other");
        assert_eq!(b.name(Family::User, "JDOE"), first);
        assert!(first.starts_with("user-") && first.len() == "user-".len() + TAG_LEN);
        assert_ne!(a.name(Family::User, "jdoe2"), first);
        assert_ne!(a.name(Family::Host, "jdoe"), first.replace("user", "host"));
    }

    #[test]
    fn other_key_other_names_and_anchors_keep_case() {
        let mut a = Pseudonyms::new(Key::from_secret("k"));
        let mut b = Pseudonyms::new(Key::from_secret("k2"));
        assert_ne!(a.name(Family::User, "jdoe"), b.name(Family::User, "jdoe"));
        assert_ne!(
            a.name(Family::Anchor, "AbC="),
            a.name(Family::Anchor, "abc=")
        );
    }

    #[test]
    fn collisions_get_longer_tags() {
        // With a one-character alphabet slice no two values could differ; force a collision by
        // marking the first value's tag as taken by someone else.
        let mut p = Pseudonyms::new(Key::from_secret("k"));
        let tag = p.tag(Family::Guid, "a");
        p.given.clear();
        p.taken
            .insert((Family::Guid, tag.clone()), "someone else".into());
        let longer = p.tag(Family::Guid, "a");
        assert_eq!(longer.len(), TAG_LEN + 2);
        assert!(longer.starts_with(&tag));
    }
}
