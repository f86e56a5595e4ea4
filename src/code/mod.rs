//! Stage 4, code: units → codes. Tokens, the codebook's compiled terms, the rules that
//! turn matches into codes with evidence, the coded unit as a typed record, and the
//! trainable classifier.

pub mod classify;
pub mod coder;
pub mod gate;
pub mod token_trie;
pub mod tokenize;
pub mod unit;
