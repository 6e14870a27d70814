// {{ header }}
//! The scenarios against SQLite, each test in a fresh in-memory database.

use rusqlite::Connection;

use {{ crate_ident }} as api;
{% for (stem, module) in scenario_modules %}
#[path = "scenarios/{{ stem }}.rs"]
mod {{ module }};
{%- endfor %}

/// What the seeds and scenarios pass to the API.
type Conn = Connection;

/// A private in-memory database with every table, foreign keys on.
pub struct TestDb {
    conn: Connection,
}

pub fn db() -> TestDb {
    let conn = api::open_in_memory().unwrap();
    api::init_db(&conn).unwrap();
    TestDb { conn }
}

// Each table's scenarios use a different part of these helpers.
#[allow(dead_code)]
impl TestDb {
    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Runs a hand-written query and reads each row with `read`.
    pub fn query_with<T>(
        &mut self,
        sql: &str,
        read: fn(&rusqlite::Row<'_>) -> api::Result<T>,
    ) -> Vec<T> {
        let mut statement = self.conn.prepare(sql).unwrap();
        let rows = statement.query_and_then([], read).unwrap();
        rows.collect::<api::Result<_>>().unwrap()
    }

    pub fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
        self.conn.query_row(&sql, [], |row| row.get(0)).unwrap()
    }

    /// Runs a hand-written statement; its error converts as a user's would.
    pub fn execute(&mut self, sql: &str) -> api::Result<()> {
        self.conn.execute(sql, [])?;
        Ok(())
    }

    /// Lets a check refuse nothing more, to store what another tool might.
    pub fn drop_check(&mut self, _table: &str, _check: &str) {
        // SQLite cannot drop one check; it can ignore them all.
        self.conn
            .pragma_update(None, "ignore_check_constraints", true)
            .unwrap();
    }

    /// The columns of an index, in index order.
    pub fn index_columns(&mut self, index: &str) -> Vec<String> {
        let mut statement = self
            .conn
            .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
            .unwrap();
        let rows = statement.query_map([index], |row| row.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// A column's raw stored text, in insertion order.
    pub fn stored_text(&mut self, table: &str, column: &str) -> Vec<String> {
        let sql = format!("SELECT \"{column}\" FROM \"{table}\" ORDER BY rowid");
        let mut statement = self.conn.prepare(&sql).unwrap();
        let rows = statement.query_map([], |row| row.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// Whether `text` has the stored datetime shape `YYYY-MM-DDTHH:MM:SS.sssZ`,
    /// which sorts as text in time order.
    pub fn is_stored_datetime(&self, text: &str) -> bool {
        text.len() == 24
            && text.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == 'T',
                13 | 16 => c == ':',
                19 => c == '.',
                23 => c == 'Z',
                _ => c.is_ascii_digit(),
            })
    }
}

#[test]
fn init_db_creates_every_table_and_is_safe_to_run_again() {
    let db = db();
    api::init_db(&db.conn).unwrap();
    let mut statement = db
        .conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'schemagen_migrations' ORDER BY name",
        )
        .unwrap();
    let tables: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, [{{ sorted_tables|join(", ") }}]);
}

#[test]
fn migrate_applies_each_embedded_migration_once() {
    let mut conn = api::open_in_memory().unwrap();
    let ids: Vec<&str> = api::migrations::MIGRATIONS.iter().map(|m| m.id).collect();
    assert_eq!(api::migrate(&mut conn).unwrap(), ids);
    assert!(api::migrate(&mut conn).unwrap().is_empty());
    let recorded: i64 = conn
        .query_row("SELECT COUNT(*) FROM schemagen_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(recorded, ids.len() as i64);
}

#[test]
fn a_database_made_before_migrations_is_taken_as_migrated() {
    let mut conn = api::open_in_memory().unwrap();
    // What an `init_db` from before migrations made: the first migration's
    // tables, and no history.
    conn.execute_batch(api::migrations::MIGRATIONS[0].sqlite)
        .unwrap();
    let applied = api::migrate(&mut conn).unwrap();
    let later: Vec<&str> = api::migrations::MIGRATIONS[1..]
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(applied, later);
}

#[test]
fn a_database_of_another_schema_is_refused() {
    let mut conn = api::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE unrelated (id INTEGER PRIMARY KEY);")
        .unwrap();
    let error = api::migrate(&mut conn).unwrap_err();
    assert_eq!(error.kind(), &api::ErrorKind::Migration, "{error}");
    assert!(
        matches!(error.migration(), Some(api::MigrateError::NotRecognised)),
        "{error}"
    );
}

#[test]
fn open_turns_foreign_keys_on() {
    let dir = std::env::temp_dir().join(format!("{}-open-{}", env!("CARGO_PKG_NAME"), std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("test.db");
    let conn = api::open(&path).unwrap();
    let enabled: bool = conn
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .unwrap();
    assert!(enabled);
    drop(conn);
    std::fs::remove_dir_all(&dir).unwrap();
}
