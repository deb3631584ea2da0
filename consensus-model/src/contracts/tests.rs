//! Tests of the system contracts.
