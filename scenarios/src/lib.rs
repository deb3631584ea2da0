//! scenarios: scenario files parsed into raw serde types, validated into engine types, and run.
//!
//! Not built yet: see the scenario-engine issue.
