//! consensus-model: Congress consensus (SPEC §2) and the system contracts (SPEC §3) on sim-core's engine.
//!
//! Not built yet: see the consensus and system-contract issues.
