// {{ header }}
//! The schema's migrations, embedded in the crate (copies of
//! `migrations/`, never read at run time), and the runner that applies them.
//! Each applied migration is a row of `schemagen_migrations` with a
//! checksum of its SQL, the same table and checksums `schemagen migrate`
//! uses, so either may migrate a database the other started.

use rusqlite::Connection;

/// One migration: its number, its id (`0001_init`) and its SQL per engine.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub id: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, oldest first.
{{ migrations_slice() }}

/// Why migrating stopped. Nothing of the migration named was applied.
#[derive(Debug)]
pub enum MigrateError {
    Sqlite(rusqlite::Error),
    #[cfg(feature = "postgres")]
    Postgres(postgres::Error),
    /// A statement failed; the migration was rolled back.
    Statement {
        migration: &'static str,
        statement: String,
        message: String,
    },
    /// A rebuilt table left rows whose references point nowhere.
    DanglingReferences {
        migration: &'static str,
        rows: String,
    },
    /// An applied migration differs from the one this crate embeds.
    Changed {
        migration: String,
        recorded: String,
        embedded: String,
    },
    /// The database has a migration this crate does not: it is newer.
    TooNew {
        migration: String,
    },
    /// The database has tables but no history, and they are not what the
    /// first migration makes.
    NotRecognised,
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(error) => write!(f, "SQLite: {error}"),
            #[cfg(feature = "postgres")]
            Self::Postgres(error) => match error.as_db_error() {
                Some(db) => write!(f, "PostgreSQL: {}", db.message()),
                None => write!(f, "PostgreSQL: {error}"),
            },
            Self::Statement {
                migration,
                statement,
                message,
            } => write!(
                f,
                "migration {migration} failed at `{statement}`: {message}; nothing of it was applied"
            ),
            Self::DanglingReferences { migration, rows } => write!(
                f,
                "migration {migration} would leave references pointing nowhere ({rows}); nothing of it was applied"
            ),
            Self::Changed {
                migration,
                recorded,
                embedded,
            } => write!(
                f,
                "migration {migration} was applied with checksum {recorded}, but this crate's has {embedded}: it was changed after it was applied"
            ),
            Self::TooNew { migration } => write!(
                f,
                "the database has migration {migration}, which this crate does not: it was migrated by newer code"
            ),
            Self::NotRecognised => f.write_str(
                "the database has tables but no migration history, and they are not what the first migration makes",
            ),
        }
    }
}

impl std::error::Error for MigrateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite(error) => Some(error),
            #[cfg(feature = "postgres")]
            Self::Postgres(error) => Some(error),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for MigrateError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for MigrateError {
    fn from(error: postgres::Error) -> Self {
        Self::Postgres(error)
    }
}

/// The checksum recorded for a migration's SQL: 64-bit FNV-1a, in hex, as
/// `schemagen migrate` computes it.
pub fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The statements of a migration's SQL: split at `;` outside quotes and
/// comments.
pub(crate) fn statements(sql: &str) -> Vec<String> {
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
                let statement = current.trim();
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
    statements
}

/// Checks what the history records against the embedded migrations.
fn verify(applied: &[(u32, String, String)], sql: fn(&Migration) -> &'static str) -> Result<(), MigrateError> {
    for (version, id, recorded) in applied {
        let embedded = MIGRATIONS
            .get(*version as usize - 1)
            .filter(|m| m.id == id)
            .ok_or_else(|| MigrateError::TooNew {
                migration: id.clone(),
            })?;
        let actual = checksum(sql(embedded));
        if &actual != recorded {
            return Err(MigrateError::Changed {
                migration: id.clone(),
                recorded: recorded.clone(),
                embedded: actual,
            });
        }
    }
    Ok(())
}

const SQLITE_HISTORY: &str = "CREATE TABLE IF NOT EXISTS schemagen_migrations (version INTEGER PRIMARY KEY, id TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// The tables and indexes of a database, as comparable text.
fn sqlite_objects(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare(
        "SELECT type || ' ' || name || ' ' || sql FROM sqlite_schema \
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND tbl_name <> 'schemagen_migrations' ORDER BY name",
    )?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    rows.map(|row| {
        row.map(|text| {
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace('"', "")
        })
    })
    .collect()
}

/// Runs `work` in an immediate transaction: committed if it succeeds,
/// rolled back if it fails.
fn sqlite_transaction<T>(
    conn: &Connection,
    work: impl FnOnce() -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match work() {
        Ok(value) => {
            conn.execute_batch("COMMIT")?;
            Ok(value)
        }
        Err(error) => {
            conn.execute_batch("ROLLBACK")?;
            Err(error)
        }
    }
}

fn sqlite_applied(conn: &Connection) -> rusqlite::Result<Vec<(u32, String, String)>> {
    let mut statement =
        conn.prepare("SELECT version, id, checksum FROM schemagen_migrations ORDER BY version")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    rows.collect()
}

fn sqlite_record(conn: &Connection, migration: &Migration) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO schemagen_migrations (version, id, checksum, applied_at) \
         VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        rusqlite::params![migration.version, migration.id, checksum(migration.sqlite)],
    )?;
    Ok(())
}

/// Applies to `conn` every migration it lacks; gives their ids.
pub(crate) fn migrate_sqlite(conn: &Connection) -> Result<Vec<&'static str>, MigrateError> {
    sqlite_transaction(conn, || {
        let has_history: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'schemagen_migrations'",
            [],
            |row| row.get(0),
        )?;
        if !has_history {
            let live = sqlite_objects(conn)?;
            conn.execute_batch(SQLITE_HISTORY)?;
            if let (false, Some(first)) = (live.is_empty(), MIGRATIONS.first()) {
                // Made by an `init_db` from before migrations?
                let fresh = Connection::open_in_memory()?;
                fresh.execute_batch(first.sqlite)?;
                if sqlite_objects(&fresh)? != live {
                    return Err(MigrateError::NotRecognised);
                }
                sqlite_record(conn, first)?;
            }
        }
        Ok(())
    })?;
    let mut done = Vec::new();
    for migration in MIGRATIONS {
        // Off before the transaction opens (inside one SQLite ignores it):
        // a rebuilt table's children keep every row, and the check below
        // finds any reference left dangling.
        conn.pragma_update(None, "foreign_keys", false)?;
        let result = sqlite_transaction(conn, || {
            let applied = sqlite_applied(conn)?;
            verify(&applied, |m| m.sqlite)?;
            if applied.len() >= migration.version as usize {
                return Ok(false);
            }
            for statement in statements(migration.sqlite) {
                conn.execute_batch(&statement)
                    .map_err(|error| MigrateError::Statement {
                        migration: migration.id,
                        statement: statement.clone(),
                        message: error.to_string(),
                    })?;
            }
            let mut check = conn.prepare("PRAGMA foreign_key_check")?;
            let dangling: Vec<String> = check
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<_, _>>()?;
            if !dangling.is_empty() {
                return Err(MigrateError::DanglingReferences {
                    migration: migration.id,
                    rows: dangling.join(", "),
                });
            }
            sqlite_record(conn, migration)?;
            Ok(true)
        });
        conn.pragma_update(None, "foreign_keys", true)?;
        if result? {
            done.push(migration.id);
        }
    }
    Ok(done)
}

#[cfg(feature = "postgres")]
pub(crate) mod postgres_runner {
    use postgres::GenericClient;

    use super::{checksum, statements, verify, MigrateError, Migration, MIGRATIONS};

    const HISTORY: &str = "CREATE TABLE IF NOT EXISTS schemagen_migrations (version BIGINT PRIMARY KEY, id TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

    /// The key of the advisory lock migrations run under, the one
    /// `schemagen migrate` takes.
    const LOCK_KEY: i64 = 0x7363_6865_6d61_6701;

    /// The tables, columns, constraints and indexes of schema `namespace`,
    /// as comparable text.
    const OBJECTS_SQL: &str = "\
        SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
               || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
               || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attidentity::text \
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
        JOIN pg_namespace n ON n.oid = c.relnamespace \
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
        WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'schemagen_migrations' AND a.attnum > 0 AND NOT a.attisdropped \
        UNION ALL \
        SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) \
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
        JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = $1 AND c.relname <> 'schemagen_migrations' AND k.contype <> 'n' \
        UNION ALL \
        SELECT 'index ' || i.relname || ' ' || replace(pg_get_indexdef(i.oid), ' ON ' || quote_ident($1) || '.', ' ON ') \
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
        JOIN pg_namespace n ON n.oid = t.relnamespace \
        WHERE n.nspname = $1 AND t.relname <> 'schemagen_migrations' \
        ORDER BY 1";

    fn objects(client: &mut impl GenericClient, namespace: &str) -> Result<Vec<String>, postgres::Error> {
        let rows = client.query(OBJECTS_SQL, &[&namespace])?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn record(client: &mut impl GenericClient, migration: &Migration) -> Result<(), postgres::Error> {
        client.execute(
            "INSERT INTO schemagen_migrations (version, id, checksum) VALUES ($1, $2, $3)",
            &[&i64::from(migration.version), &migration.id, &checksum(migration.postgres)],
        )?;
        Ok(())
    }

    /// Applies every migration the database lacks, each in one transaction
    /// under the advisory lock, with a lock timeout; gives their ids.
    pub(crate) fn migrate(client: &mut impl GenericClient) -> Result<Vec<&'static str>, MigrateError> {
        let mut done = Vec::new();
        loop {
            let mut transaction = client.transaction()?;
            transaction.batch_execute(
                "SET LOCAL lock_timeout = '5s'; SET LOCAL client_min_messages = warning",
            )?;
            transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
            let namespace: String = transaction.query_one("SELECT current_schema()", &[])?.get(0);
            let has_history: bool = transaction
                .query_one(
                    "SELECT to_regclass('schemagen_migrations') IS NOT NULL",
                    &[],
                )?
                .get(0);
            if !has_history {
                let live = objects(&mut transaction, &namespace)?;
                transaction.batch_execute(HISTORY)?;
                if let (false, Some(first)) = (live.is_empty(), MIGRATIONS.first()) {
                    // Made by an `init_db` from before migrations? Compare
                    // with what the first migration makes in a scratch
                    // schema, inside a savepoint that is rolled back.
                    let mut scratch = transaction.transaction()?;
                    scratch.batch_execute(
                        "CREATE SCHEMA schemagen_baseline; SET LOCAL search_path TO schemagen_baseline",
                    )?;
                    scratch.batch_execute(first.postgres)?;
                    let fresh = objects(&mut scratch, "schemagen_baseline")?;
                    scratch.rollback()?;
                    if fresh != live {
                        return Err(MigrateError::NotRecognised);
                    }
                    record(&mut transaction, first)?;
                }
            }
            let rows = transaction.query(
                "SELECT version, id, checksum FROM schemagen_migrations ORDER BY version",
                &[],
            )?;
            let applied: Vec<(u32, String, String)> = rows
                .iter()
                .map(|row| (row.get::<_, i64>(0) as u32, row.get(1), row.get(2)))
                .collect();
            verify(&applied, |m| m.postgres)?;
            let Some(migration) = MIGRATIONS.get(applied.len()) else {
                transaction.commit()?;
                return Ok(done);
            };
            for statement in statements(migration.postgres) {
                if let Err(error) = transaction.batch_execute(&statement) {
                    let message = match error.as_db_error() {
                        Some(db) => db.message().to_owned(),
                        None => error.to_string(),
                    };
                    return Err(MigrateError::Statement {
                        migration: migration.id,
                        statement,
                        message,
                    });
                }
            }
            record(&mut transaction, migration)?;
            transaction.commit()?;
            done.push(migration.id);
        }
    }
}
