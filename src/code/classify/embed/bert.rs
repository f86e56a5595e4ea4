//! A BERT encoder on candle (CPU, f32): embeddings + post-norm transformer layers, then
//! masked mean pooling and L2 normalisation, as sentence-transformers does for e5.

use super::{e5s1, Config, Raw, Weights};
use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::{LayerNorm, Linear};

type CResult<T> = std::result::Result<T, candle_core::Error>;

struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    ao: Linear,
    aln: LayerNorm,
    fi: Linear,
    fo: Linear,
    oln: LayerNorm,
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
    eln: LayerNorm,
    layers: Vec<Layer>,
}

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

fn tensor(w: &mut Weights, name: &str, shape: &[usize]) -> Result<Tensor, String> {
    let v = f32s(w, name)?;
    let n: usize = shape.iter().product();
    if v.len() != n {
        return Err(format!(
            "tensor {name}: {} values, expected {n} ({shape:?})",
            v.len()
        ));
    }
    Tensor::from_vec(v, shape, &Device::Cpu).map_err(|e| e.to_string())
}

impl Bert {
    /// Builds the encoder from weights in the crate's naming (see [`Weights`]).
    pub fn new(mut w: Weights) -> Result<Bert, String> {
        let c = w.cfg.clone();
        let (h, f) = (c.hidden, c.ffn);
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
        let ln = |w: &mut Weights, p: &str| -> Result<LayerNorm, String> {
            Ok(LayerNorm::new(
                tensor(w, &format!("{p}.w"), &[h])?,
                tensor(w, &format!("{p}.b"), &[h])?,
                c.eps,
            ))
        };
        let lin = |w: &mut Weights, p: &str, out: usize, inp: usize| -> Result<Linear, String> {
            Ok(Linear::new(
                tensor(w, &format!("{p}.w"), &[out, inp])?,
                Some(tensor(w, &format!("{p}.b"), &[out])?),
            ))
        };
        let eln = ln(&mut w, "eln")?;
        let mut layers = Vec::with_capacity(c.layers);
        for l in 0..c.layers {
            let p = |s: &str| format!("l{l}.{s}");
            layers.push(Layer {
                q: lin(&mut w, &p("q"), h, h)?,
                k: lin(&mut w, &p("k"), h, h)?,
                v: lin(&mut w, &p("v"), h, h)?,
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
    /// L2-normalised. Shorter sequences are padded and masked out of attention and pooling.
    pub fn embed(&self, batch: &[Vec<u32>]) -> Result<Vec<Vec<f32>>, String> {
        self.forward(batch).map_err(|e| e.to_string())
    }

    fn forward(&self, batch: &[Vec<u32>]) -> CResult<Vec<Vec<f32>>> {
        let c = &self.cfg;
        let (h, nh) = (c.hidden, c.heads);
        let hd = h / nh;
        let b = batch.len();
        let t = batch.iter().map(Vec::len).max().unwrap_or(0);
        if b == 0 || t == 0 {
            return Ok(vec![vec![0.0; h]; b]);
        }
        if t > c.max_positions {
            candle_core::bail!("{t} tokens, more than the model's {}", c.max_positions);
        }
        // Embeddings: word + position + type 0 (padding rows stay zero; they are masked).
        let mut x = vec![0.0f32; b * t * h];
        let mut mask = vec![0.0f32; b * t];
        for (i, ids) in batch.iter().enumerate() {
            for (p, &id) in ids.iter().enumerate() {
                let id = id as usize;
                if id >= c.vocab {
                    candle_core::bail!("token id {id} outside the vocabulary ({})", c.vocab);
                }
                let row = &mut x[(i * t + p) * h..(i * t + p + 1) * h];
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
                mask[i * t + p] = 1.0;
            }
        }
        let dev = Device::Cpu;
        // Token states as one (b·t, h) matrix: each linear layer is then a single matrix
        // product over the whole batch rather than one per text.
        let mut x = self.eln.forward(&Tensor::from_vec(x, (b * t, h), &dev)?)?;
        let keep = Tensor::from_vec(mask, (b, t), &dev)?;
        // Additive attention mask over keys: 0 for tokens, a large negative for padding.
        let bias = ((keep.clone() - 1.0)? * 1e9)?.reshape((b, 1, 1, t))?;
        let scale = 1.0 / (hd as f64).sqrt();
        let heads = |y: Tensor| -> CResult<Tensor> {
            y.reshape((b, t, nh, hd))?.transpose(1, 2)?.contiguous()
        };
        for l in &self.layers {
            let q = heads(l.q.forward(&x)?)?;
            let k = heads(l.k.forward(&x)?)?;
            let v = heads(l.v.forward(&x)?)?;
            let scores = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(&bias)?;
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let ctx = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b * t, h))?;
            x = l.aln.forward(&(l.ao.forward(&ctx)? + &x)?)?;
            let mid = l.fi.forward(&x)?.gelu_erf()?;
            x = l.oln.forward(&(l.fo.forward(&mid)? + &x)?)?;
        }
        let m = keep.unsqueeze(2)?; // (b, t, 1)
        let sum = x.reshape((b, t, h))?.broadcast_mul(&m)?.sum(1)?; // (b, h)
        let count = m.sum(1)?; // (b, 1)
        let mean = sum.broadcast_div(&count)?;
        let norm = mean
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .sqrt()?
            .clamp(1e-12, f64::MAX)?;
        mean.broadcast_div(&norm)?
            .to_dtype(DType::F32)?
            .to_vec2::<f32>()
    }
}
