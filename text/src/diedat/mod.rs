//! Die/dat prediction (Allein, Leeuwenberg & Moens 2020): the data (masked die/dat examples with
//! context and POS), the BiLSTM model ([`model`]), its training ([`train`]), the bigram
//! language-model baseline ([`bigram`]) and prediction on a user's text file ([`predict`]).

pub mod bigram;
pub mod data;
pub mod model;
pub mod predict;
pub mod train;
