//! Shared leaves that every stage may use and that use no stage: the error-free building
//! blocks of text handling (decoding bytes, language, dates, CSV cells and small tables),
//! document keys, the seeded random numbers, and the literals that
//! rule regexes out.

pub mod csv;
pub mod dates;
pub mod decode;
pub mod docid;
pub mod lang;
pub mod literal_gate;
pub mod paths;
pub mod rng;
pub mod sheet;
