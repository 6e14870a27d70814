//! Applies migrations to a database and reports where it stands. Each
//! migration runs in one transaction, all or nothing, and is recorded in
//! the history table with a checksum of its SQL; an applied migration whose
//! file changed since, or a database with migrations this code does not
//! have, is refused before anything runs. A database made before there was
//! a history (by `init_db`) is recognised when its catalog is exactly what
//! the first migration makes, and refused otherwise.

use std::path::{Path, PathBuf};

use super::history::{checksum, HistoryError, Migration};
use super::Engine;
use crate::catalog::{self, Catalog, HISTORY_TABLE};

/// Where migrations go.
#[derive(Debug, Clone)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// A `postgres://` URL, or else the path of an SQLite file.
    pub fn parse(text: &str) -> Target {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Target::Postgres(text.to_owned())
        } else {
            Target::Sqlite(PathBuf::from(text))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error(
        "migration {migration} failed at\n    {statement}\n{cause}\nnothing of it was applied"
    )]
    Statement {
        migration: String,
        statement: String,
        cause: String,
    },
    #[error("migration {migration} would leave rows whose references point nowhere ({rows}); nothing of it was applied")]
    ForeignKeyCheck { migration: String, rows: String },
    #[error("migration {migration} was changed after it was applied (checksum {recorded} when applied, {actual} now); restore the file, or write a new migration for the change")]
    Tampered {
        migration: String,
        recorded: String,
        actual: String,
    },
    #[error("the database has migration {migration}, which is not in this code's migrations: it is newer than this code; run the newer code, or restore the migration")]
    TooNew { migration: String },
    #[error("the database has tables but no migration history, and they are not what {first} makes, so it cannot be taken as migrated:\n{drift}")]
    NotRecognised { first: String, drift: String },
    #[error("the database has tables but there are no migrations to match them with")]
    NoMigrations,
}

/// The server's own words: the postgres crate's `Display` says only "db
/// error".
fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{}: {}", db.severity(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            text
        }
        None => error.to_string(),
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: u32,
    pub id: String,
    pub checksum: String,
}

/// Where a database stands.
#[derive(Debug, Default)]
pub struct Status {
    pub applied: Vec<Applied>,
    pub pending: Vec<String>,
    /// Differences between the database and what its applied migrations
    /// make.
    pub drift: Vec<String>,
    /// The database predates the history and matches the first migration.
    pub baseline: bool,
}

/// The statements of a migration's SQL: split at `;` outside quotes and
/// comments, comments dropped.
pub fn statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '-') if chars.peek() == Some(&'-') => {
                while chars.next_if(|c| *c != '\n').is_some() {}
                continue;
            }
            (None, ';') => {
                let statement = current.trim().to_owned();
                if !statement.is_empty() {
                    statements.push(format!("{statement};"));
                }
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    let rest = current.trim();
    if !rest.is_empty() {
        statements.push(rest.to_owned());
    }
    statements
}

/// Checks the history against the migrations on disk: every applied one
/// must be known and unchanged.
fn verify(applied: &[Applied], migrations: &[Migration], engine: Engine) -> Result<(), RunError> {
    for row in applied {
        let Some(migration) = migrations.get(row.version as usize - 1) else {
            return Err(RunError::TooNew {
                migration: row.id.clone(),
            });
        };
        if migration.id != row.id {
            return Err(RunError::TooNew {
                migration: row.id.clone(),
            });
        }
        let actual = checksum(&migration.sql(engine)?);
        if actual != row.checksum {
            return Err(RunError::Tampered {
                migration: row.id.clone(),
                recorded: row.checksum.clone(),
                actual,
            });
        }
    }
    Ok(())
}

const SQLITE_HISTORY: &str = "CREATE TABLE IF NOT EXISTS schemagen_migrations (\
    version INTEGER PRIMARY KEY, id TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)";

const POSTGRES_HISTORY: &str = "CREATE TABLE IF NOT EXISTS schemagen_migrations (\
    version BIGINT PRIMARY KEY, id TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

/// The key of the advisory lock under which migrations run on PostgreSQL,
/// so workers that start at once apply each migration once.
pub const POSTGRES_LOCK_KEY: i64 = 0x7363_6865_6d61_6701;

/// How long a migration waits for a lock on a table in use before it
/// fails, rather than stalling every query queued behind it.
pub const LOCK_TIMEOUT: &str = "5s";

/// Applies every pending migration; gives the ids applied.
pub fn apply(target: &Target, migrations: &[Migration]) -> Result<Vec<String>, RunError> {
    match target {
        Target::Sqlite(path) => sqlite_apply(path, migrations),
        Target::Postgres(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls)?;
            postgres_apply(&mut client, migrations)
        }
    }
}

/// Where the database stands: applied, pending, drift.
pub fn status(target: &Target, migrations: &[Migration]) -> Result<Status, RunError> {
    match target {
        Target::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path)?;
            sqlite_status(&conn, migrations)
        }
        Target::Postgres(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls)?;
            postgres_status(&mut client, migrations)
        }
    }
}

// --- SQLite ---------------------------------------------------------------

fn sqlite_has_history(conn: &rusqlite::Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [HISTORY_TABLE],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

fn sqlite_applied(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<Applied>> {
    if !sqlite_has_history(conn)? {
        return Ok(Vec::new());
    }
    let mut statement =
        conn.prepare("SELECT version, id, checksum FROM schemagen_migrations ORDER BY version")?;
    let rows = statement.query_map([], |row| {
        Ok(Applied {
            version: row.get(0)?,
            id: row.get(1)?,
            checksum: row.get(2)?,
        })
    })?;
    rows.collect()
}

/// The catalog a fresh SQLite database gets from `migrations`.
pub fn sqlite_expected(migrations: &[Migration]) -> Result<Catalog, RunError> {
    let conn = rusqlite::Connection::open_in_memory()?;
    for migration in migrations {
        conn.execute_batch(&migration.sql(Engine::Sqlite)?)?;
    }
    Ok(catalog::sqlite::read(&conn)?)
}

fn sqlite_record(
    conn: &rusqlite::Connection,
    migration: &Migration,
    sql: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO schemagen_migrations (version, id, checksum, applied_at) \
         VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        rusqlite::params![migration.version, migration.id, checksum(sql)],
    )?;
    Ok(())
}

fn sqlite_apply(path: &Path, migrations: &[Migration]) -> Result<Vec<String>, RunError> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if !sqlite_has_history(&conn)? {
        // Under the write lock, so that of two processes starting at once
        // one makes the history and the other finds it.
        let transaction =
            conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let live = catalog::sqlite::read(&transaction)?;
        let had_history = sqlite_has_history(&transaction)?;
        transaction.execute_batch(SQLITE_HISTORY)?;
        if !had_history && !live.is_empty() {
            let first = migrations.first().ok_or(RunError::NoMigrations)?;
            let expected = sqlite_expected(&migrations[..1])?;
            let drift = live.drift_from(&expected);
            if !drift.is_empty() {
                return Err(RunError::NotRecognised {
                    first: first.id.clone(),
                    drift: drift.lines().join("\n"),
                });
            }
            sqlite_record(&transaction, first, &first.sql(Engine::Sqlite)?)?;
        }
        transaction.commit()?;
    }
    let applied = sqlite_applied(&conn)?;
    verify(&applied, migrations, Engine::Sqlite)?;
    let mut done = Vec::new();
    for migration in &migrations[applied.len()..] {
        let sql = migration.sql(Engine::Sqlite)?;
        // Off before the transaction: inside one SQLite ignores it. A
        // rebuilt table's children keep every row; the check below finds
        // any reference left dangling.
        conn.pragma_update(None, "foreign_keys", false)?;
        let result = sqlite_run(&mut conn, migration, &sql);
        conn.pragma_update(None, "foreign_keys", true)?;
        if result? {
            done.push(migration.id.clone());
        }
    }
    Ok(done)
}

/// Applies one migration; false if another process applied it first.
fn sqlite_run(
    conn: &mut rusqlite::Connection,
    migration: &Migration,
    sql: &str,
) -> Result<bool, RunError> {
    let transaction = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have applied it while this one waited for the
    // write lock: the history, read under the lock, decides.
    let done: i64 = transaction.query_row(
        "SELECT count(*) FROM schemagen_migrations WHERE version = ?1",
        [migration.version],
        |row| row.get(0),
    )?;
    if done > 0 {
        return Ok(false);
    }
    for statement in statements(sql) {
        if let Err(error) = transaction.execute_batch(&statement) {
            return Err(RunError::Statement {
                migration: migration.id.clone(),
                statement,
                cause: error.to_string(),
            });
        }
    }
    let dangling: Vec<String> = {
        let mut check = transaction.prepare("PRAGMA foreign_key_check")?;
        let rows = check.query_map([], |row| {
            Ok(format!(
                "{} row {} -> {}",
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                row.get::<_, String>(2)?
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    if !dangling.is_empty() {
        return Err(RunError::ForeignKeyCheck {
            migration: migration.id.clone(),
            rows: dangling.join(", "),
        });
    }
    sqlite_record(&transaction, migration, sql)?;
    transaction.commit()?;
    Ok(true)
}

fn sqlite_status(
    conn: &rusqlite::Connection,
    migrations: &[Migration],
) -> Result<Status, RunError> {
    let applied = sqlite_applied(conn)?;
    verify(&applied, migrations, Engine::Sqlite)?;
    let live = catalog::sqlite::read(conn)?;
    let mut status = Status::default();
    let known = if applied.is_empty() && !live.is_empty() && !migrations.is_empty() {
        status.baseline = live == sqlite_expected(&migrations[..1])?;
        if status.baseline {
            1
        } else {
            0
        }
    } else {
        applied.len()
    };
    let expected = sqlite_expected(&migrations[..known])?;
    status.drift = live.drift_from(&expected).lines();
    status.pending = migrations[known..].iter().map(|m| m.id.clone()).collect();
    status.applied = applied;
    Ok(status)
}

// --- PostgreSQL -----------------------------------------------------------

fn postgres_applied(
    client: &mut impl postgres::GenericClient,
) -> Result<Vec<Applied>, postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('schemagen_migrations') IS NOT NULL",
            &[],
        )?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client.query(
        "SELECT version, id, checksum FROM schemagen_migrations ORDER BY version",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|row| Applied {
            version: row.get::<_, i64>(0) as u32,
            id: row.get(1),
            checksum: row.get(2),
        })
        .collect())
}

/// The catalog `migrations` make on this server, built in a scratch schema
/// inside a savepoint that is rolled back.
fn postgres_expected(
    transaction: &mut postgres::Transaction,
    migrations: &[Migration],
) -> Result<Catalog, RunError> {
    let mut scratch = transaction.transaction()?;
    let namespace = format!("schemagen_expected_{}", std::process::id());
    scratch.batch_execute(&format!(
        "CREATE SCHEMA {namespace}; SET LOCAL search_path TO {namespace}"
    ))?;
    for migration in migrations {
        scratch.batch_execute(&migration.sql(Engine::Postgres)?)?;
    }
    let catalog = catalog::postgres::read(&mut scratch, &namespace)?;
    scratch.rollback()?;
    Ok(catalog)
}

fn current_schema(client: &mut impl postgres::GenericClient) -> Result<String, postgres::Error> {
    Ok(client.query_one("SELECT current_schema()", &[])?.get(0))
}

fn postgres_apply(
    client: &mut postgres::Client,
    migrations: &[Migration],
) -> Result<Vec<String>, RunError> {
    let mut done = Vec::new();
    loop {
        let mut transaction = client.transaction()?;
        transaction.batch_execute(&format!(
            "SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; SET LOCAL client_min_messages = warning"
        ))?;
        transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&POSTGRES_LOCK_KEY])?;
        let namespace = current_schema(&mut transaction)?;
        let had_history: bool = transaction
            .query_one(
                "SELECT to_regclass('schemagen_migrations') IS NOT NULL",
                &[],
            )?
            .get(0);
        if !had_history {
            let live = catalog::postgres::read(&mut transaction, &namespace)?;
            transaction.batch_execute(POSTGRES_HISTORY)?;
            if !live.is_empty() {
                let first = migrations.first().ok_or(RunError::NoMigrations)?;
                let expected = postgres_expected(&mut transaction, &migrations[..1])?;
                let drift = live.drift_from(&expected);
                if !drift.is_empty() {
                    return Err(RunError::NotRecognised {
                        first: first.id.clone(),
                        drift: drift.lines().join("\n"),
                    });
                }
                postgres_record(&mut transaction, first, &first.sql(Engine::Postgres)?)?;
            }
        }
        let applied = postgres_applied(&mut transaction)?;
        verify(&applied, migrations, Engine::Postgres)?;
        let Some(migration) = migrations.get(applied.len()) else {
            transaction.commit()?;
            return Ok(done);
        };
        let sql = migration.sql(Engine::Postgres)?;
        for statement in statements(&sql) {
            if let Err(error) = transaction.batch_execute(&statement) {
                return Err(RunError::Statement {
                    migration: migration.id.clone(),
                    statement,
                    cause: postgres_message(&error),
                });
            }
        }
        postgres_record(&mut transaction, migration, &sql)?;
        transaction.commit()?;
        done.push(migration.id.clone());
    }
}

fn postgres_record(
    transaction: &mut postgres::Transaction,
    migration: &Migration,
    sql: &str,
) -> Result<(), postgres::Error> {
    transaction.execute(
        "INSERT INTO schemagen_migrations (version, id, checksum) VALUES ($1, $2, $3)",
        &[&i64::from(migration.version), &migration.id, &checksum(sql)],
    )?;
    Ok(())
}

fn postgres_status(
    client: &mut postgres::Client,
    migrations: &[Migration],
) -> Result<Status, RunError> {
    let mut transaction = client.transaction()?;
    let namespace = current_schema(&mut transaction)?;
    let applied = postgres_applied(&mut transaction)?;
    verify(&applied, migrations, Engine::Postgres)?;
    let live = catalog::postgres::read(&mut transaction, &namespace)?;
    let mut status = Status::default();
    let known = if applied.is_empty() && !live.is_empty() && !migrations.is_empty() {
        status.baseline = live == postgres_expected(&mut transaction, &migrations[..1])?;
        usize::from(status.baseline)
    } else {
        applied.len()
    };
    let expected = postgres_expected(&mut transaction, &migrations[..known])?;
    status.drift = live.drift_from(&expected).lines();
    status.pending = migrations[known..].iter().map(|m| m.id.clone()).collect();
    status.applied = applied;
    transaction.rollback()?;
    Ok(status)
}
