//! Places and levels of government: provinces and prefectures, counties, region schemes.

pub mod county;
pub mod level;
pub mod province;
pub mod region;
