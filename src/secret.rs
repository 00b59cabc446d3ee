//! A wrapper for secrets held in memory: it prints as `<redacted>` and cannot be
//! serialized, so a token or password never reaches a log line, a JSON answer
//! or the store by accident. Secrets themselves live in the OS keyring.

use std::fmt;

pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The one way to read the value; grep for it when auditing.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// A code or token as the store keeps it: its SHA-256 in hex. For random
/// secrets (invite codes, API tokens) a fast hash is enough.
/// `bytes` random bytes from the system's secure source, as lowercase hex.
pub fn random_hex(bytes: usize) -> crate::error::Result<String> {
    let mut buffer = vec![0u8; bytes];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buffer)
        .map_err(|_| crate::error::Error::invalid("the system gave no randomness for a secret"))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Compares two secrets without stopping at the first difference, so the
/// time taken says nothing about how much of a guess was right.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
    }

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("123456:ABC-token".to_string());
        assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
        assert_eq!(s.expose(), "123456:ABC-token");
    }
}
