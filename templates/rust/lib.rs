// {{ header }}
#![doc = include_str!("../README.md")]
//!
//! Typed data access for the tables of `{{ source_name }}`, on rusqlite.
//!
//! Each table has a module with its row type, the insert type, and the
//! functions `insert`, `insert_many`, `get`, `list`, `count`, `list_page`
//! (keyset paging), `update`, `delete`, a finder for each unique column and
//! index, and a `load_*` function per foreign key. Every statement is
//! prepared once per connection and cached.
//!
//! Every function returns [`Result`], whose [`Error`] says what went wrong
//! in the same terms on SQLite and PostgreSQL: which constraint a write
//! broke, which value was refused before it was stored, which stored value
//! could not be read (see [`error`]).
//!
//! Hand-written SQL reads into the same types: each module's `COLUMNS` are
//! its columns in order, and its `from_row` reads them.
//!
//! ```
//! let conn = {{ crate_ident }}::open_in_memory()?;
//! {{ crate_ident }}::init_db(&conn)?;
//! let sql = format!("SELECT {} FROM {}", {{ crate_ident }}::{{ first_module }}::COLUMNS, {{ first_table_sql }});
//! let rows: Vec<{{ crate_ident }}::{{ first_model }}> = conn
//!     .prepare(&sql)?
//!     .query_and_then([], {{ crate_ident }}::{{ first_module }}::from_row)?
//!     .collect::<{{ crate_ident }}::Result<_>>()?;
//! assert!(rows.is_empty());
//! # Ok::<(), {{ crate_ident }}::Error>(())
//! ```
//!
//! The crates its API exposes are re-exported (`rusqlite`, `chrono`,
//! `serde_json`), so a user needs no version of their own.
//!
//! With the `postgres` feature, the [`postgres`](crate::postgres) module
//! has the same functions over a PostgreSQL server, on the same types.
//!
//! ```no_run
//! let conn = {{ crate_ident }}::open("pipeline.db")?;
//! {{ crate_ident }}::init_db(&conn)?;
//! # Ok::<(), {{ crate_ident }}::Error>(())
//! ```
{% for module in modules %}
{{ module }}
{%- endfor %}

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

pub use chrono;
pub use rusqlite;
pub use serde_json;
{% for export in exports %}
{{ export }}
{%- endfor %}

/// The SQLite DDL of every table and index; safe to run again.
pub const SCHEMA_SQL: &str = include_str!("../schema.sql");

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the database file at `path`, ready for
/// several workers: write-ahead logging (readers never wait for a writer),
/// `synchronous=NORMAL` (in WAL mode a crash can lose the last commits but
/// never corrupts the file), a busy timeout (a writer waits for another
/// instead of failing with "database is locked") and foreign keys enforced.
pub fn open(path: impl AsRef<Path>) -> Result<Connection> {
    let conn = configure(Connection::open(path)?)?;
    // Answers the mode it is in; a file can always take WAL.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Opens a private in-memory database, with foreign keys enforced.
pub fn open_in_memory() -> Result<Connection> {
    Ok(configure(Connection::open_in_memory()?)?)
}

/// SQLite leaves foreign keys off unless each connection turns them on.
fn configure(conn: Connection) -> rusqlite::Result<Connection> {
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Applies every migration the crate embeds ([`migrations::MIGRATIONS`])
/// that the database lacks, each in one transaction; gives the ids of
/// those it applied. A database made by an `init_db` from before
/// migrations, equal to what the first one makes, is taken as migrated.
pub fn migrate(conn: &mut Connection) -> Result<Vec<&'static str>> {
    Ok(migrations::migrate_sqlite(conn)?)
}

/// Brings the database to this crate's schema: [`migrate`], for callers
/// that hold only a shared connection. Safe to run again, and from several
/// processes at once.
pub fn init_db(conn: &Connection) -> Result<()> {
    migrations::migrate_sqlite(conn)?;
    Ok(())
}

/// Runs `work` inside a savepoint: its changes are kept if it succeeds and
/// undone if it fails. A savepoint, unlike BEGIN, also nests inside a
/// transaction the caller holds.
fn all_or_nothing<T>(conn: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("SAVEPOINT all_or_nothing")?;
    let result = work();
    let end = match result {
        Ok(_) => "RELEASE all_or_nothing",
        Err(_) => "ROLLBACK TO all_or_nothing; RELEASE all_or_nothing",
    };
    conn.execute_batch(end)?;
    result
}
