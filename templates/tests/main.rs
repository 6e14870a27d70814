// {{ header }}
//! The generated data access, exercised scenario by scenario: every table
//! inserts, reads, updates and deletes rows and checks that the database
//! enforces keys, uniques, enums and ON DELETE actions.
//!
//! The scenarios in `scenarios/` are written once and run against each
//! backend: SQLite always, PostgreSQL with the `postgres` feature (the
//! server named by `{{ env_var }}`; see `build.rs`).

// Each backend compiles the same scenario files as modules of its own, with
// its own `api`, `db` and seeds in scope: that is the point, not a mistake.
#![allow(clippy::duplicate_mod)]

mod common;
#[cfg(all(feature = "postgres", postgres_tests))]
mod postgres;
mod sqlite;

/// Where no server is named (and not under CI) the PostgreSQL tests are
/// not compiled; this shows in the summary that they did not run.
#[cfg(all(feature = "postgres", not(postgres_tests)))]
#[test]
#[ignore = "set {{ env_var }} to a PostgreSQL URL to run the PostgreSQL tests"]
fn postgres_tests_need_a_server() {}
