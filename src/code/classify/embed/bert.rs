//! A BERT encoder on the CPU (f32): embeddings + post-norm transformer layers, then
//! masked mean pooling and L2 normalisation, as sentence-transformers does for e5.
//!
//! The matrix products are `gemm`'s f32 kernels (the crate candle's CPU backend calls);
//! everything else is plain loops on the run's rayon threads. The texts of a batch are not
//! padded: their tokens are stacked into one `(tokens, hidden)` matrix, so that each linear
//! layer is one matrix product over the whole batch, and attention is computed text by
//! text over the text's own tokens only (what padding plus an attention mask computes,
//! without the padded rows and columns). Queries, keys and values are one product with
//! the three weight matrices stacked, and each head reads its columns of that product in
//! place (strided), so nothing is transposed or copied per head.

use super::{e5s1, Config, Raw, Weights};
use gemm::Parallelism;
use rayon::prelude::*;

/// `y = x·Wᵀ + b` with `W` stored `[out][inp]`.
struct Linear {
    w: Vec<f32>,
    b: Vec<f32>,
    out: usize,
    inp: usize,
}

struct Norm {
    w: Vec<f32>,
    b: Vec<f32>,
}

struct Layer {
    /// Queries, keys and values stacked: `[3·hidden][hidden]`.
    qkv: Linear,
    ao: Linear,
    aln: Norm,
    fi: Linear,
    fo: Linear,
    oln: Norm,
}

/// The word table: 4-bit rows (dequantised when looked up) or dense f32.
enum WordTable {
    Q4(Vec<u8>),
    Dense(Vec<f32>),
}

/// A loaded encoder.
pub struct Bert {
    cfg: Config,
    word: WordTable,
    pos: Vec<f32>,
    ty: Vec<f32>,
    eln: Norm,
    layers: Vec<Layer>,
}

/// Rows per rayon task in the row-wise passes (bias, residual, layer norm, GELU).
const ROWS_PER_TASK: usize = 16;

fn f32s(w: &mut Weights, name: &str) -> Result<Vec<f32>, String> {
    match w.tensors.remove(name) {
        Some(Raw::F32(v)) => Ok(v),
        Some(Raw::Q4(b)) => {
            let mut out = vec![0.0; b.len() / e5s1::Q4_BLOCK_BYTES * e5s1::QK];
            e5s1::dequantize_q4_0(&b, &mut out);
            Ok(out)
        }
        None => Err(format!("missing tensor {name}")),
    }
}

fn sized(w: &mut Weights, name: &str, n: usize) -> Result<Vec<f32>, String> {
    let v = f32s(w, name)?;
    if v.len() != n {
        return Err(format!("tensor {name}: {} values, expected {n}", v.len()));
    }
    Ok(v)
}

/// `dst (m×n, row stride dst_rs) = lhs (m×k) · rhs (k×n)`, each operand given by its row
/// and column strides. The caller guarantees that every index reached lies in its slice
/// (checked here against the last element each operand reaches).
#[allow(clippy::too_many_arguments)]
fn matmul(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    dst_rs: usize,
    lhs: &[f32],
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: &[f32],
    (rhs_rs, rhs_cs): (usize, usize),
    scale: f32,
    par: Parallelism,
) -> Result<(), String> {
    if m == 0 || n == 0 {
        return Ok(());
    }
    let last = |rows: usize, rs: usize, cols: usize, cs: usize| (rows - 1) * rs + (cols - 1) * cs;
    if k == 0
        || last(m, dst_rs, n, 1) >= dst.len()
        || last(m, lhs_rs, k, lhs_cs) >= lhs.len()
        || last(k, rhs_rs, n, rhs_cs) >= rhs.len()
    {
        return Err(format!(
            "matrix product {m}×{k}·{k}×{n}: operands too short"
        ));
    }
    // SAFETY: every element addressed by the strides lies within its slice (checked above),
    // and `dst` is borrowed mutably, so it aliases neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            false,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            0.0,
            scale,
            false,
            false,
            false,
            par,
        );
    }
    Ok(())
}

/// The product `x·Wᵀ` of `rows` token states (bias not added).
fn linear(x: &[f32], rows: usize, l: &Linear, par: Parallelism) -> Result<Vec<f32>, String> {
    let mut y = vec![0.0f32; rows * l.out];
    matmul(
        (rows, l.out, l.inp),
        &mut y,
        l.out,
        x,
        (l.inp, 1),
        &l.w,
        (1, l.inp),
        1.0,
        par,
    )?;
    Ok(y)
}

/// Layer normalisation of one row in place.
fn norm_row(row: &mut [f32], n: &Norm, eps: f32) {
    let h = row.len() as f32;
    let mean = row.iter().sum::<f32>() / h;
    let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h;
    let inv = 1.0 / (var + eps).sqrt();
    for ((v, w), b) in row.iter_mut().zip(&n.w).zip(&n.b) {
        *v = (*v - mean) * inv * w + b;
    }
}

/// `x ← norm(y + b + x)` row by row: a sublayer's output, its bias, the residual, the norm.
fn residual_norm(y: &[f32], bias: &[f32], x: &mut [f32], n: &Norm, eps: f32) {
    let h = bias.len();
    x.par_chunks_mut(h * ROWS_PER_TASK)
        .zip(y.par_chunks(h * ROWS_PER_TASK))
        .for_each(|(xs, ys)| {
            for (xr, yr) in xs.chunks_mut(h).zip(ys.chunks(h)) {
                for ((xv, yv), bv) in xr.iter_mut().zip(yr).zip(bias) {
                    *xv += yv + bv;
                }
                norm_row(xr, n, eps);
            }
        });
}

/// erf by a rational function on [−4, 4] (beyond, ±1 in f32): an odd polynomial of degree 13
/// over an even one of degree 8, the approximation of Eigen's `generic_fast_erf_float`.
/// Within 5e-7 of libm's `erff` everywhere (the test checks a fine grid), and without
/// branches, so that a row of it compiles to vector instructions; libm's `erff` took about
/// a quarter of the encoder's time.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_4e-10 + 2.770_681_5e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_2e-5;
    p = x2 * p + -7.349_906_4e-4;
    p = x2 * p + -2.954_6e-3;
    p = x2 * p + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_15e-5 + -2.133_740_5e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329_3e-3;
    q = x2 * q + -1.426_473_9e-2;
    x * p / q
}

/// GELU (the erf form) of `y + b` over a row, in place.
#[inline(always)]
fn bias_gelu_row(row: &mut [f32], bias: &[f32]) {
    for (v, b) in row.iter_mut().zip(bias) {
        let z = *v + b;
        *v = (erf(z * std::f32::consts::FRAC_1_SQRT_2) + 1.0) * 0.5 * z;
    }
}

/// The same with 8-wide vectors where the processor has AVX2 (no FMA: the values are
/// those of the portable loop, operation for operation).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bias_gelu_row_avx2(row: &mut [f32], bias: &[f32]) {
    bias_gelu_row(row, bias)
}

/// GELU of `y + b`, in place, row by row.
fn bias_gelu(y: &mut [f32], bias: &[f32]) {
    let f = bias.len();
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    y.par_chunks_mut(f * ROWS_PER_TASK).for_each(|ys| {
        for yr in ys.chunks_mut(f) {
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: AVX2 was detected on this processor.
                unsafe { bias_gelu_row_avx2(yr, bias) };
                continue;
            }
            bias_gelu_row(yr, bias);
        }
    });
}

/// Softmax of one row of attention scores in place.
fn softmax_row(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

impl Bert {
    /// Builds the encoder from weights in the crate's naming (see [`Weights`]).
    pub fn new(mut w: Weights) -> Result<Bert, String> {
        let c = w.cfg.clone();
        let (h, f) = (c.hidden, c.ffn);
        if h == 0 || c.heads == 0 || h % c.heads != 0 {
            return Err(format!("{} heads do not divide {h} dimensions", c.heads));
        }
        let word = match w.tensors.remove("word") {
            Some(Raw::Q4(b)) if b.len() == c.vocab * h / e5s1::QK * e5s1::Q4_BLOCK_BYTES => {
                WordTable::Q4(b)
            }
            Some(Raw::F32(v)) if v.len() == c.vocab * h => WordTable::Dense(v),
            Some(_) => return Err("word embeddings: wrong size".into()),
            None => return Err("missing tensor word".into()),
        };
        let pos = f32s(&mut w, "pos")?;
        let ty = f32s(&mut w, "type")?;
        if pos.len() != c.max_positions * h || ty.len() != h {
            return Err("position or type embeddings: wrong size".into());
        }
        let ln = |w: &mut Weights, p: &str| -> Result<Norm, String> {
            Ok(Norm {
                w: sized(w, &format!("{p}.w"), h)?,
                b: sized(w, &format!("{p}.b"), h)?,
            })
        };
        let lin = |w: &mut Weights, p: &str, out: usize, inp: usize| -> Result<Linear, String> {
            Ok(Linear {
                w: sized(w, &format!("{p}.w"), out * inp)?,
                b: sized(w, &format!("{p}.b"), out)?,
                out,
                inp,
            })
        };
        let eln = ln(&mut w, "eln")?;
        let mut layers = Vec::with_capacity(c.layers);
        for l in 0..c.layers {
            let p = |s: &str| format!("l{l}.{s}");
            let mut qkv = lin(&mut w, &p("q"), h, h)?;
            for s in ["k", "v"] {
                let m = lin(&mut w, &p(s), h, h)?;
                qkv.w.extend(m.w);
                qkv.b.extend(m.b);
                qkv.out += h;
            }
            layers.push(Layer {
                qkv,
                ao: lin(&mut w, &p("ao"), h, h)?,
                aln: ln(&mut w, &p("aln"))?,
                fi: lin(&mut w, &p("fi"), f, h)?,
                fo: lin(&mut w, &p("fo"), h, f)?,
                oln: ln(&mut w, &p("oln"))?,
            });
        }
        Ok(Bert {
            cfg: c,
            word,
            pos,
            ty,
            eln,
            layers,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Embeds a batch of token id sequences (each already within `max_positions`, with
    /// its special tokens): mean of the last layer over each sequence's own tokens,
    /// L2-normalised. Each text attends to its own tokens only.
    pub fn embed(&self, batch: &[Vec<u32>]) -> Result<Vec<Vec<f32>>, String> {
        let c = &self.cfg;
        let (h, nh) = (c.hidden, c.heads);
        let hd = h / nh;
        let eps = c.eps as f32;
        // Each text's first row in the stacked token matrix.
        let mut starts = Vec::with_capacity(batch.len());
        let mut n = 0usize;
        for ids in batch {
            if ids.len() > c.max_positions {
                return Err(format!(
                    "{} tokens, more than the model's {}",
                    ids.len(),
                    c.max_positions
                ));
            }
            starts.push(n);
            n += ids.len();
        }
        if n == 0 {
            return Ok(vec![vec![0.0; h]; batch.len()]);
        }
        // Embeddings: word + position + type 0.
        let mut x = vec![0.0f32; n * h];
        for (ids, &s) in batch.iter().zip(&starts) {
            for (p, &id) in ids.iter().enumerate() {
                let id = id as usize;
                if id >= c.vocab {
                    return Err(format!(
                        "token id {id} outside the vocabulary ({})",
                        c.vocab
                    ));
                }
                let row = &mut x[(s + p) * h..(s + p + 1) * h];
                match &self.word {
                    WordTable::Q4(blocks) => {
                        let rb = h / e5s1::QK * e5s1::Q4_BLOCK_BYTES;
                        e5s1::dequantize_q4_0(&blocks[id * rb..(id + 1) * rb], row);
                    }
                    WordTable::Dense(v) => row.copy_from_slice(&v[id * h..(id + 1) * h]),
                }
                let pos = &self.pos[p * h..(p + 1) * h];
                for ((r, a), ty) in row.iter_mut().zip(pos).zip(&self.ty) {
                    *r += a + ty;
                }
            }
        }
        x.par_chunks_mut(h * ROWS_PER_TASK)
            .for_each(|xs| xs.chunks_mut(h).for_each(|r| norm_row(r, &self.eln, eps)));
        let par = if rayon::current_num_threads() > 1 {
            Parallelism::Rayon(0)
        } else {
            Parallelism::None
        };
        let scale = 1.0 / (hd as f32).sqrt();
        let lens: Vec<usize> = batch.iter().map(Vec::len).collect();
        for l in &self.layers {
            let mut qkv = linear(&x, n, &l.qkv, par)?;
            qkv.par_chunks_mut(3 * h * ROWS_PER_TASK).for_each(|ys| {
                for yr in ys.chunks_mut(3 * h) {
                    for (v, b) in yr.iter_mut().zip(&l.qkv.b) {
                        *v += b;
                    }
                }
            });
            // Attention, text by text (each text's rows of the context are its own).
            let mut ctx = vec![0.0f32; n * h];
            let mut parts: Vec<(&mut [f32], usize, usize)> = Vec::with_capacity(batch.len());
            let mut rest = ctx.as_mut_slice();
            for (&s, &len) in starts.iter().zip(&lens) {
                let (mine, tail) = rest.split_at_mut(len * h);
                parts.push((mine, s, len));
                rest = tail;
            }
            let qkv = &qkv;
            parts
                .into_par_iter()
                .filter(|(_, _, len)| *len > 0)
                .try_for_each(|(out, s, len)| -> Result<(), String> {
                    let rows = &qkv[s * 3 * h..(s + len) * 3 * h];
                    let mut scores = vec![0.0f32; len * len];
                    for head in 0..nh {
                        let q = &rows[head * hd..];
                        let k = &rows[h + head * hd..];
                        let v = &rows[2 * h + head * hd..];
                        // scores = q·kᵀ / √hd (kᵀ read in place: row stride 1, column 3h)
                        matmul(
                            (len, len, hd),
                            &mut scores,
                            len,
                            q,
                            (3 * h, 1),
                            k,
                            (1, 3 * h),
                            scale,
                            Parallelism::None,
                        )?;
                        scores.chunks_mut(len).for_each(softmax_row);
                        matmul(
                            (len, hd, len),
                            &mut out[head * hd..],
                            h,
                            &scores,
                            (len, 1),
                            v,
                            (3 * h, 1),
                            1.0,
                            Parallelism::None,
                        )?;
                    }
                    Ok(())
                })?;
            let y = linear(&ctx, n, &l.ao, par)?;
            residual_norm(&y, &l.ao.b, &mut x, &l.aln, eps);
            let mut mid = linear(&x, n, &l.fi, par)?;
            bias_gelu(&mut mid, &l.fi.b);
            let y = linear(&mid, n, &l.fo, par)?;
            residual_norm(&y, &l.fo.b, &mut x, &l.oln, eps);
        }
        // Mean over each text's tokens, then unit length.
        Ok(starts
            .iter()
            .zip(&lens)
            .map(|(&s, &len)| {
                let mut mean = vec![0.0f32; h];
                for r in x[s * h..(s + len) * h].chunks(h) {
                    for (m, v) in mean.iter_mut().zip(r) {
                        *m += v;
                    }
                }
                let count = len.max(1) as f32;
                mean.iter_mut().for_each(|m| *m /= count);
                let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                mean.iter_mut().for_each(|m| *m /= norm);
                mean
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rational_erf_is_within_5e_7_of_libm() {
        let mut worst = 0.0f32;
        for i in -600_000..=600_000 {
            let x = i as f32 * 1e-5;
            worst = worst.max((super::erf(x) - libm::erff(x)).abs());
        }
        assert!(worst < 5e-7, "{worst}");
        assert_eq!(super::erf(0.0), 0.0);
        assert_eq!(super::erf(9.0), super::erf(4.0));
    }
}
