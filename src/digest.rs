//! SHA-256 of a log file that can later check a part of the file without
//! reading the whole of it.
//!
//! SHA-256 (FIPS 180-4, section 6.2) reads its input in 64-byte blocks and
//! carries an eight-word chaining value from one block to the next; the
//! digest is the value after the last, padded block. [`ChainedSha256`]
//! computes the ordinary SHA-256 of a stream (the same digest as `sha256sum`)
//! and keeps the chaining value every [`CHECKPOINT_BYTES`] bytes. Later, the
//! bytes between two kept values can be checked on their own: starting from
//! the first value, they must give the second (or, for the last stretch, the
//! file's digest). Bytes that differ but give the same value would be a
//! second preimage of SHA-256's compression function, which is not known to
//! be feasible. An evidence pack quotes a log line only after the stretch
//! holding it has been checked this way (`evidence::rawlines`), so quoting
//! one person's lines costs about their part of the log, not all of it.
//!
//! The compression function is the `sha2` crate's (`compress256`); this
//! module only keeps the values and adds the standard padding.

use sha2::digest::generic_array::GenericArray;

/// Bytes between two kept chaining values (1 MiB; a multiple of 64).
pub const CHECKPOINT_BYTES: u64 = 1 << 20;

/// The initial chaining value (FIPS 180-4, 5.3.3): the value after 0 bytes.
pub const H0: State = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// A chaining value: eight 32-bit words.
pub type State = [u32; 8];

/// SHA-256 over a stream, keeping the chaining value at every multiple of
/// [`CHECKPOINT_BYTES`] (counted from the first byte hashed).
#[derive(Debug, Clone)]
pub struct ChainedSha256 {
    state: State,
    /// Bytes not yet compressed (fewer than 64).
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes compressed into `state` so far (a multiple of 64).
    done: u64,
    /// The value after each whole checkpoint: entry `i` is the value after
    /// `(i + 1) * CHECKPOINT_BYTES` bytes.
    checkpoints: Vec<State>,
}

impl Default for ChainedSha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainedSha256 {
    /// A hash of nothing yet.
    pub fn new() -> Self {
        Self::resume(0, H0)
    }

    /// Carries on from a kept value: `state` after the first `offset` bytes
    /// (`offset` a multiple of [`CHECKPOINT_BYTES`]). Checkpoints are then
    /// counted from the start of the stream, as when it was first hashed.
    pub fn resume(offset: u64, state: State) -> Self {
        debug_assert!(offset.is_multiple_of(CHECKPOINT_BYTES));
        ChainedSha256 {
            state,
            buf: [0; 64],
            buf_len: 0,
            done: offset,
            checkpoints: Vec::new(),
        }
    }

    /// Bytes hashed so far, counted from the start of the stream.
    pub fn len(&self) -> u64 {
        self.done + self.buf_len as u64
    }

    /// True when nothing has been hashed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hashes more bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            let block = self.buf;
            self.compress(&block);
            self.buf_len = 0;
        }
        let whole = data.len() / 64 * 64;
        for block in data[..whole].chunks_exact(64) {
            self.compress(block);
        }
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    fn compress(&mut self, block: &[u8]) {
        sha2::compress256(
            &mut self.state,
            std::slice::from_ref(GenericArray::from_slice(block)),
        );
        self.done += 64;
        if self.done.is_multiple_of(CHECKPOINT_BYTES) {
            self.checkpoints.push(self.state);
        }
    }

    /// The chaining values kept so far (see the field).
    pub fn checkpoints(&self) -> &[State] {
        &self.checkpoints
    }

    /// The chaining value now, when the bytes hashed are a whole number of
    /// 64-byte blocks.
    pub fn state(&self) -> Option<State> {
        (self.buf_len == 0).then_some(self.state)
    }

    /// The SHA-256 digest of everything hashed (FIPS 180-4, 5.1.1 padding:
    /// a 1 bit, zeros, the length in bits as a 64-bit big-endian number).
    pub fn finalize(&self) -> [u8; 32] {
        let bits = self.len().wrapping_mul(8);
        let mut tail = [0u8; 128];
        tail[..self.buf_len].copy_from_slice(&self.buf[..self.buf_len]);
        tail[self.buf_len] = 0x80;
        let n = if self.buf_len < 56 { 64 } else { 128 };
        tail[n - 8..n].copy_from_slice(&bits.to_be_bytes());
        let mut state = self.state;
        for block in tail[..n].chunks_exact(64) {
            sha2::compress256(
                &mut state,
                std::slice::from_ref(GenericArray::from_slice(block)),
            );
        }
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// A chaining value as 64 hex characters (the eight words big-endian).
pub fn state_hex(s: &State) -> String {
    s.iter().map(|w| format!("{w:08x}")).collect()
}

/// Parses [`state_hex`]'s form.
pub fn parse_state(hex: &str) -> Option<State> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut s = [0u32; 8];
    for (i, w) in s.iter_mut().enumerate() {
        *w = u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok()?;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 + i / 7) as u8).collect()
    }

    #[test]
    fn the_digest_is_sha256_for_every_length_and_any_split() {
        for n in (0..300).chain([1 << 20, (1 << 20) + 55, (3 << 20) + 64]) {
            let data = bytes(n);
            let want: [u8; 32] = Sha256::digest(&data).into();
            let mut whole = ChainedSha256::new();
            whole.update(&data);
            assert_eq!(whole.finalize(), want, "length {n}");
            let mut pieces = ChainedSha256::new();
            for piece in data.chunks(1 + n % 97) {
                pieces.update(piece);
            }
            assert_eq!(pieces.finalize(), want, "length {n} in pieces");
            assert_eq!(pieces.len(), n as u64);
        }
        assert_eq!(
            hex::encode(ChainedSha256::new().finalize()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_stretch_between_two_checkpoints_checks_on_its_own() {
        let cp = CHECKPOINT_BYTES as usize;
        let mut data = bytes(3 * cp + 1000);
        let mut h = ChainedSha256::new();
        h.update(&data);
        assert_eq!(h.checkpoints().len(), 3);
        let digest = h.finalize();
        // The second stretch, from the first value, gives the second.
        let mut part = ChainedSha256::resume(CHECKPOINT_BYTES, h.checkpoints()[0]);
        part.update(&data[cp..2 * cp]);
        assert_eq!(part.state(), Some(h.checkpoints()[1]));
        // The last stretch, from the third value, gives the file's digest.
        let mut last = ChainedSha256::resume(3 * CHECKPOINT_BYTES, h.checkpoints()[2]);
        last.update(&data[3 * cp..]);
        assert_eq!(last.finalize(), digest);
        // One byte changed in the stretch: it no longer checks.
        data[cp + 5] ^= 1;
        let mut part = ChainedSha256::resume(CHECKPOINT_BYTES, h.checkpoints()[0]);
        part.update(&data[cp..2 * cp]);
        assert_ne!(part.state(), Some(h.checkpoints()[1]));
        for s in h.checkpoints() {
            assert_eq!(parse_state(&state_hex(s)), Some(*s));
        }
        assert_eq!(parse_state("00"), None);
    }
}
