//! benches: criterion benchmarks live in `benches/`; this library is intentionally empty.
