// {{ header }}
//! The generated data access, exercised scenario by scenario: every table
//! inserts, reads, updates and deletes rows and checks that the database
//! enforces keys, uniques, enums and ON DELETE actions.
//!
//! The scenarios in `scenarios/` are written once and run against each
//! backend: SQLite always, PostgreSQL with the `postgres` feature (the
//! server named by `{{ env_var }}`).

// Each backend compiles the same scenario files as modules of its own, with
// its own `api`, `db` and seeds in scope: that is the point, not a mistake.
#![allow(clippy::duplicate_mod)]

mod common;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
