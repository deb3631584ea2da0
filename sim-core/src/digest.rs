//! Stable output digests (SHA-256 over explicitly encoded fields), never `DefaultHasher`.
//!
//! Encoding: integers little-endian at their declared width, strings and byte slices prefixed
//! by their length as `u64`. The same values always give the same digest on every platform.

use sha2::{Digest as _, Sha256};

/// An incremental digest of simulation outputs.
#[derive(Clone, Default)]
pub struct OutputDigest {
    hasher: Sha256,
}

impl std::fmt::Debug for OutputDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutputDigest(..)")
    }
}

impl OutputDigest {
    /// An empty digest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.hasher.update(v.to_le_bytes());
        self
    }

    /// Adds a `u128`.
    pub fn u128(&mut self, v: u128) -> &mut Self {
        self.hasher.update(v.to_le_bytes());
        self
    }

    /// Adds a boolean as one byte.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.hasher.update([u8::from(v)]);
        self
    }

    /// Adds a length-prefixed string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Adds length-prefixed bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.hasher.update((b.len() as u64).to_le_bytes());
        self.hasher.update(b);
        self
    }

    /// The final digest.
    pub fn finish(self) -> Digest {
        Digest(self.hasher.finalize().into())
    }
}

/// A finished 32-byte digest; displays as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The digest of a byte string (e.g. a written file).
    pub fn of_bytes(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Digest({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(
            Digest::of_bytes(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn encoding_is_unambiguous() {
        let mut a = OutputDigest::new();
        a.str("ab").str("c");
        let mut b = OutputDigest::new();
        b.str("a").str("bc");
        assert_ne!(a.finish(), b.finish());
    }
}
