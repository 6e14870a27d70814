//! A live database's schema, read from its catalog (SQLite's pragmas,
//! PostgreSQL's `pg_catalog`) into one shape per engine: the set of its
//! tables, columns, constraints and indexes, each described the way
//! schema.yaml's reader thinks of it. Two catalogs compare entry by entry:
//! `migrate status` reports drift that way, and the tests compare a
//! migrated database with a fresh one.

pub mod postgres;
pub mod sqlite;

use std::collections::BTreeSet;
use std::fmt;

/// One object of a database's schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entry {
    Table {
        table: String,
    },
    /// A column with its declared type, NOT NULL and default, as the
    /// engine prints them.
    Column {
        table: String,
        column: String,
        definition: String,
    },
    /// A named constraint (PostgreSQL) or a table's whole definition text
    /// (SQLite, whose catalog has no other place for checks).
    Constraint {
        table: String,
        name: String,
        definition: String,
    },
    Index {
        table: String,
        name: String,
        definition: String,
    },
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Table { table } => write!(f, "table `{table}`"),
            Entry::Column {
                table,
                column,
                definition,
            } => write!(f, "column `{table}.{column}`: {definition}"),
            Entry::Constraint {
                table,
                name,
                definition,
            } => write!(f, "constraint `{name}` of `{table}`: {definition}"),
            Entry::Index {
                table,
                name,
                definition,
            } => write!(f, "index `{name}` of `{table}`: {definition}"),
        }
    }
}

/// A database's schema objects, history table left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    pub entries: BTreeSet<Entry>,
}

/// How a live catalog differs from the expected one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// In the database, not in what the migrations make.
    pub unexpected: Vec<Entry>,
    /// Made by the migrations, missing from the database.
    pub missing: Vec<Entry>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.unexpected.is_empty() && self.missing.is_empty()
    }

    /// One line per difference.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .missing
            .iter()
            .map(|entry| format!("missing from the database: {entry}"))
            .collect();
        lines.extend(
            self.unexpected
                .iter()
                .map(|entry| format!("not made by any migration: {entry}")),
        );
        lines
    }
}

impl Catalog {
    /// How `self` (the live database) differs from `expected`.
    pub fn drift_from(&self, expected: &Catalog) -> Drift {
        Drift {
            unexpected: self
                .entries
                .difference(&expected.entries)
                .cloned()
                .collect(),
            missing: expected
                .entries
                .difference(&self.entries)
                .cloned()
                .collect(),
        }
    }

    /// Whether the database has no tables of its own.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The table migrations record themselves in; the catalog leaves it out.
pub const HISTORY_TABLE: &str = "schemagen_migrations";
