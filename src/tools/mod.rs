//! Analyses of coded results and coding sheets, beside the main run: drawing samples for
//! hand-coding, agreement between coders, diffusion between governments.

pub mod agree;
pub mod agree_pairing;
pub mod diffuse;
pub mod sample;
