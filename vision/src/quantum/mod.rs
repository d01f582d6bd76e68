//! Hybrid quantum layers, simulated exactly as complex state vectors in libtorch.
