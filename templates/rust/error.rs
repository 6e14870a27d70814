// {{ header }}
//! The one error type of this crate, [`Error`]: what went wrong, said the
//! same way on SQLite and PostgreSQL.
//!
//! A write that breaks a constraint is an [`ErrorKind::Constraint`] whose
//! [`Violation`] names the kind of constraint, its table, its columns and
//! its name as `schema.postgres.sql` declares it, on both engines (SQLite's
//! own message names no foreign key; this crate finds which one failed).
//! The engine's whole message is part of the error's text, and the
//! engine's error is its [`source`](std::error::Error::source).
//!
//! ```
//! use {{ crate_ident }}::{ConstraintKind, ErrorKind};
//!
//! /// What to tell a user whose write was refused.
//! fn explain(error: &{{ crate_ident }}::Error) -> String {
//!     match error.kind() {
//!         ErrorKind::Constraint(violation) if violation.kind == ConstraintKind::Unique => {
//!             format!("already taken: {}", violation.columns.join(", "))
//!         }
//!         ErrorKind::InvalidValue(refusal) => format!("cannot be stored: {}", refusal.problem),
//!         _ => error.to_string(),
//!     }
//! }
//! ```

use std::fmt;

use rusqlite::types::ToSql;
use rusqlite::{ffi, Connection, OptionalExtension};

use crate::codec::InvalidValue;
use crate::migrations::MigrateError;

/// What every function of this crate returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call failed: [`kind`](Error::kind) says what went wrong in the same
/// terms on both engines; the engine's own error is the
/// [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct Error {
    // Boxed: a `Result` stays as small as its `Ok` value on the path that
    // does not fail.
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    /// The engine's whole message, or this crate's where no engine spoke.
    message: String,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A write broke one of the schema's constraints; it stored nothing.
    Constraint(Violation),
    /// A value refused before anything was stored (see [`crate::codec`]).
    InvalidValue(InvalidValue),
    /// A stored value that is not a value of its column's type, written by
    /// another tool or by hand.
    UnreadableValue(UnreadableValue),
    /// A migration could not be applied; the source is the [`MigrateError`].
    Migration,
    /// Anything else the engine reported: a lost connection, a lock that
    /// timed out, a mistake in a hand-written statement.
    Database,
}

/// Which constraint a write broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ConstraintKind,
    /// The table the constraint belongs to (for a foreign key, the table
    /// that refers), `None` only where the engine does not say and the
    /// statement was not this crate's.
    pub table: Option<String>,
    /// The columns the constraint covers, in its order (empty where unknown).
    pub columns: Vec<String>,
    /// The constraint's name in `schema.postgres.sql`; `None` for NOT NULL,
    /// which has no name, and for the checks only SQLite has (the length of
    /// a `string(n)`, a bool's 0 or 1, JSON's validity).
    pub constraint: Option<String>,
}

/// The kinds of constraint a schema declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    /// A primary key, a unique column or a unique index.
    Unique,
    /// A reference to a row of another table: a missing parent on insert or
    /// update, or a parent deleted while rows still refer to it.
    ForeignKey,
    /// A check: a table's `checks:`, or an enum's values.
    Check,
    /// A NULL in a column that is not nullable.
    NotNull,
}

impl fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unique => "unique",
            Self::ForeignKey => "foreign key",
            Self::Check => "check",
            Self::NotNull => "not-null",
        })
    }
}

/// A stored value that cannot be read as its column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableValue {
    pub table: &'static str,
    pub column: &'static str,
    /// The value as SQL writes it (`'yesterday'`, `42`, `NULL`).
    pub value: String,
    /// Why it is not a value of the column's type.
    pub reason: String,
}

impl fmt::Display for UnreadableValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read {} in {}.{}: {}",
            self.value, self.table, self.column, self.reason
        )
    }
}

impl std::error::Error for UnreadableValue {}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The constraint a write broke, if that is what went wrong.
    pub fn violation(&self) -> Option<&Violation> {
        match &self.inner.kind {
            ErrorKind::Constraint(violation) => Some(violation),
            _ => None,
        }
    }

    /// The engine's whole message (with PostgreSQL's detail and hint).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// SQLite's error, when SQLite reported it.
    pub fn sqlite(&self) -> Option<&rusqlite::Error> {
        self.inner.source.downcast_ref()
    }

    /// The postgres crate's error, when PostgreSQL reported it.
    #[cfg(feature = "postgres")]
    pub fn postgres(&self) -> Option<&postgres::Error> {
        self.inner.source.downcast_ref()
    }

    /// The migration error, when migrating failed.
    pub fn migration(&self) -> Option<&MigrateError> {
        self.inner.source.downcast_ref()
    }

    fn new(
        kind: ErrorKind,
        message: String,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message,
                source: Box::new(source),
            }),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = &self.inner.message;
        match &self.inner.kind {
            ErrorKind::Constraint(violation) => {
                write!(f, "{} constraint", violation.kind)?;
                if let Some(name) = &violation.constraint {
                    write!(f, " `{name}`")?;
                }
                if let Some(table) = &violation.table {
                    write!(f, " on {table}")?;
                }
                if !violation.columns.is_empty() {
                    write!(f, " ({})", violation.columns.join(", "))?;
                }
                write!(f, " violated: {message}")
            }
            ErrorKind::InvalidValue(refusal) => write!(f, "{refusal}"),
            ErrorKind::UnreadableValue(unreadable) => write!(f, "{unreadable}"),
            ErrorKind::Migration | ErrorKind::Database => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.inner.source.as_ref())
    }
}

/// A unique constraint or unique index, as both engines report it.
{%- if e.uniques.is_empty() %}
#[allow(dead_code)] // The schema has none.
{%- endif %}
struct Unique {
    table: &'static str,
    columns: &'static [&'static str],
    name: &'static str,
}

/// A foreign key, with the queries that find it when SQLite does not say.
{%- if e.foreign_keys.is_empty() %}
#[allow(dead_code)] // The schema has none.
{%- endif %}
struct ForeignKey {
    table: &'static str,
    column: &'static str,
    name: &'static str,
    parent: &'static str,
    /// Whether `?1`, a value of `column`, is NULL or names a parent row.
    parent_exists_sql: &'static str,
    /// Whether deleting a referenced parent is refused, and the query for
    /// whether a row refers to the parent key `?1`.
    refusing_delete_sql: Option<&'static str>,
}

/// A check, as PostgreSQL names it and as SQLite's message words it.
{%- if e.checks.is_empty() %}
#[allow(dead_code)] // The schema has none.
{%- endif %}
struct Check {
    table: &'static str,
    columns: &'static [&'static str],
    name: Option<&'static str>,
    /// The constraint's name for a table check; the expression for a
    /// column's check, which SQLite reports by its text.
    sqlite: &'static str,
}

{{ e.uniques_slice() }}

{{ e.foreign_keys_slice() }}

{{ e.checks_slice() }}

fn violation(
    kind: ConstraintKind,
    table: Option<&str>,
    columns: &[&str],
    constraint: Option<&str>,
) -> Violation {
    Violation {
        kind,
        table: table.map(str::to_owned),
        columns: columns.iter().map(|&column| column.to_owned()).collect(),
        constraint: constraint.map(str::to_owned),
    }
}

fn foreign_key_violation(key: &ForeignKey) -> Violation {
    violation(
        ConstraintKind::ForeignKey,
        Some(key.table),
        &[key.column],
        Some(key.name),
    )
}

/// `table.column, table.column` as SQLite's UNIQUE and NOT NULL messages
/// list them: the table and the columns.
fn sqlite_columns(list: &str) -> (Option<&str>, Vec<&str>) {
    let mut table = None;
    let columns = list
        .split(", ")
        .map(|qualified| match qualified.split_once('.') {
            Some((owner, column)) => {
                table = Some(owner);
                column
            }
            None => qualified,
        })
        .collect();
    (table, columns)
}

/// The violation SQLite's message describes; `table`, when known, is the
/// table the statement wrote.
fn sqlite_violation(extended_code: i32, message: &str, table: Option<&str>) -> Option<Violation> {
    let after = |prefix: &str| message.strip_prefix(prefix).unwrap_or(message);
    match extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            let (owner, columns) = sqlite_columns(after("UNIQUE constraint failed: "));
            let name = UNIQUES
                .iter()
                .find(|unique| Some(unique.table) == owner && unique.columns == columns.as_slice())
                .map(|unique| unique.name);
            Some(violation(ConstraintKind::Unique, owner, &columns, name))
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => {
            let (owner, columns) = sqlite_columns(after("NOT NULL constraint failed: "));
            Some(violation(ConstraintKind::NotNull, owner, &columns, None))
        }
        ffi::SQLITE_CONSTRAINT_CHECK => {
            let words = after("CHECK constraint failed: ");
            let mut found = CHECKS
                .iter()
                .filter(|check| check.sqlite == words)
                .filter(|check| table.is_none_or(|table| check.table == table));
            Some(match (found.next(), found.next()) {
                (Some(check), None) => violation(
                    ConstraintKind::Check,
                    Some(check.table),
                    check.columns,
                    check.name,
                ),
                // Two tables hold the same check, or the check is not the
                // schema's: the message says what it can.
                _ => violation(ConstraintKind::Check, table, &[], None),
            })
        }
        // ON DELETE RESTRICT fails as a trigger would, in the same words.
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY | ffi::SQLITE_CONSTRAINT_TRIGGER
            if message == "FOREIGN KEY constraint failed" =>
        {
            Some(violation(ConstraintKind::ForeignKey, table, &[], None))
        }
        _ => None,
    }
}

/// The error for what SQLite reported; `table` is the table the statement
/// wrote, when it was this crate's.
fn from_sqlite(error: rusqlite::Error, table: Option<&str>) -> Error {
    let message = error.to_string();
    let kind = match &error {
        rusqlite::Error::SqliteFailure(failure, text)
            if failure.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            sqlite_violation(failure.extended_code, text.as_deref().unwrap_or(""), table)
                .map(ErrorKind::Constraint)
        }
        rusqlite::Error::ToSqlConversionFailure(inner) => inner
            .downcast_ref::<InvalidValue>()
            .cloned()
            .map(ErrorKind::InvalidValue),
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => inner
            .downcast_ref::<UnreadableValue>()
            .cloned()
            .map(ErrorKind::UnreadableValue),
        _ => None,
    };
    Error::new(kind.unwrap_or(ErrorKind::Database), message, error)
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        from_sqlite(error, None)
    }
}

/// Whether `query` answers true for `key`; a failed probe answers `None`.
fn probe(conn: &Connection, query: &str, key: &dyn ToSql) -> Option<bool> {
    conn.query_row(query, [key], |row| row.get(0))
        .optional()
        .ok()
        .flatten()
}

/// The error of a failed insert or update of `table` whose foreign key
/// columns, in schema order, were given `keys`: SQLite does not say which
/// foreign key failed, so this asks which key names no parent row.
pub(crate) fn sqlite_write(
    conn: &Connection,
    error: rusqlite::Error,
    table: &'static str,
    keys: &[&dyn ToSql],
) -> Error {
    let mut error = from_sqlite(error, Some(table));
    if let ErrorKind::Constraint(found) = &mut error.inner.kind {
        if found.kind == ConstraintKind::ForeignKey {
            let missing = FOREIGN_KEYS
                .iter()
                .filter(|key| key.table == table)
                .zip(keys)
                .find(|(key, value)| probe(conn, key.parent_exists_sql, **value) == Some(false));
            if let Some((key, _)) = missing {
                *found = foreign_key_violation(key);
            }
        }
    }
    error
}

/// The error of a failed delete of the `table` row whose key is `key`:
/// which foreign key still refers to it.
pub(crate) fn sqlite_delete(
    conn: &Connection,
    error: rusqlite::Error,
    table: &'static str,
    key: &dyn ToSql,
) -> Error {
    let mut error = from_sqlite(error, Some(table));
    if let ErrorKind::Constraint(found) = &mut error.inner.kind {
        if found.kind == ConstraintKind::ForeignKey {
            let referring = FOREIGN_KEYS.iter().find(|foreign| {
                foreign.parent == table
                    && foreign
                        .refusing_delete_sql
                        .is_some_and(|query| probe(conn, query, key) == Some(true))
            });
            if let Some(foreign) = referring {
                *found = foreign_key_violation(foreign);
            }
        }
    }
    error
}

impl From<MigrateError> for Error {
    fn from(error: MigrateError) -> Self {
        match error {
            MigrateError::Sqlite(error) => Self::from(error),
            #[cfg(feature = "postgres")]
            MigrateError::Postgres(error) => Self::from(error),
            other => Self::new(ErrorKind::Migration, other.to_string(), other),
        }
    }
}

/// PostgreSQL's message with its detail and hint, as psql prints them.
#[cfg(feature = "postgres")]
fn postgres_message(error: &postgres::error::DbError) -> String {
    let mut message = format!("{}: {}", error.severity(), error.message());
    if let Some(detail) = error.detail() {
        message.push_str(&format!("; DETAIL: {detail}"));
    }
    if let Some(hint) = error.hint() {
        message.push_str(&format!("; HINT: {hint}"));
    }
    message
}

/// The violation PostgreSQL reported, in the same terms as SQLite's.
#[cfg(feature = "postgres")]
fn postgres_violation(error: &postgres::error::DbError) -> Option<Violation> {
    use postgres::error::SqlState;

    let table = error.table();
    let name = error.constraint();
    let code = error.code();
    if *code == SqlState::NOT_NULL_VIOLATION {
        let columns: Vec<&str> = error.column().into_iter().collect();
        return Some(violation(ConstraintKind::NotNull, table, &columns, None));
    }
    let (kind, columns): (ConstraintKind, &[&str]) = if *code == SqlState::UNIQUE_VIOLATION {
        let unique = UNIQUES
            .iter()
            .find(|unique| Some(unique.table) == table && Some(unique.name) == name);
        (ConstraintKind::Unique, unique.map_or(&[], |unique| unique.columns))
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        let key = FOREIGN_KEYS
            .iter()
            .find(|key| Some(key.table) == table && Some(key.name) == name);
        match key {
            Some(key) => return Some(foreign_key_violation(key)),
            None => (ConstraintKind::ForeignKey, &[]),
        }
    } else if *code == SqlState::CHECK_VIOLATION {
        let check = CHECKS
            .iter()
            .find(|check| Some(check.table) == table && check.name.is_some() && check.name == name);
        (ConstraintKind::Check, check.map_or(&[], |check| check.columns))
    } else {
        return None;
    };
    Some(violation(kind, table, columns, name))
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        use std::error::Error as _;

        if let Some(db) = error.as_db_error() {
            let kind = postgres_violation(db).map_or(ErrorKind::Database, ErrorKind::Constraint);
            return Self::new(kind, postgres_message(db), error);
        }
        let refusal = error
            .source()
            .and_then(|source| source.downcast_ref::<InvalidValue>())
            .cloned();
        let kind = refusal.map_or(ErrorKind::Database, ErrorKind::InvalidValue);
        Self::new(kind, error.to_string(), error)
    }
}

/// The error of a stored value `read` could not read.
#[cfg(feature = "postgres")]
pub(crate) fn unreadable_postgres(error: postgres::Error, unreadable: UnreadableValue) -> Error {
    Error::new(
        ErrorKind::UnreadableValue(unreadable),
        error.to_string(),
        error,
    )
}
