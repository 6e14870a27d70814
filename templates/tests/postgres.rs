// {{ header }}
//! The scenarios against the PostgreSQL server named by
//! `{{ env_var }}`, each test in a schema of its own that it
//! creates and drops, so runs never collide or leave data behind.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::Client;

use {{ crate_ident }}::migrations::MIGRATIONS;
use {{ crate_ident }}::postgres as api;
use {{ crate_ident }}::Result;
{% for (stem, module) in scenario_modules %}
#[path = "scenarios/{{ stem }}.rs"]
mod {{ module }};
{%- endfor %}

/// What the seeds and scenarios pass to the API.
type Conn = Client;

/// The variable naming the server, e.g. `postgres://postgres@127.0.0.1:5432/test`.
const URL_VARIABLE: &str = "{{ env_var }}";

/// A connection whose `search_path` is a fresh schema, dropped with it.
pub struct TestDb {
    client: Client,
    schema: String,
}

impl TestDb {
    /// Connects and creates an empty schema of the test's own.
    fn empty() -> TestDb {
        let url = std::env::var(URL_VARIABLE).unwrap_or_else(|_| {
            panic!("set {URL_VARIABLE} to a PostgreSQL URL to run the postgres feature's tests")
        });
        let mut client =
            api::connect(&url).unwrap_or_else(|error| panic!("cannot connect to {url}: {error}"));
        // Unique across the tests of this run (the counter), and across runs
        // sharing the server (the process id and the clock).
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let schema = format!(
            "test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        client
            .batch_execute(&format!(
                "CREATE SCHEMA {schema}; SET search_path TO {schema}; SET TIME ZONE 'UTC'"
            ))
            .unwrap();
        TestDb { client, schema }
    }
}

pub fn db() -> TestDb {
    let mut db = TestDb::empty();
    api::init_db(&mut db.client).unwrap();
    db
}

impl Drop for TestDb {
    /// Runs after a failed assertion too, so no test leaves a schema behind.
    fn drop(&mut self) {
        let drop_schema = format!("DROP SCHEMA {} CASCADE", self.schema);
        if let Err(error) = self.client.batch_execute(&drop_schema) {
            eprintln!("could not drop test schema {}: {error}", self.schema);
        }
    }
}

// Each table's scenarios use a different part of these helpers.
#[allow(dead_code)]
impl TestDb {
    pub fn conn(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Runs a hand-written query and reads each row with `read`.
    pub fn query_with<T>(&mut self, sql: &str, read: fn(&postgres::Row) -> Result<T>) -> Vec<T> {
        let rows = self.client.query(sql, &[]).unwrap();
        rows.iter().map(|row| read(row).unwrap()).collect()
    }

    pub fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
        self.client.query_one(&sql, &[]).unwrap().get(0)
    }

    /// Runs a hand-written statement; its error converts as a user's would.
    pub fn execute(&mut self, sql: &str) -> Result<()> {
        self.client.execute(sql, &[])?;
        Ok(())
    }

    /// Drops the check `check` of `table`, to store what another tool might.
    pub fn drop_check(&mut self, table: &str, check: &str) {
        let sql = format!("ALTER TABLE \"{table}\" DROP CONSTRAINT \"{check}\"");
        self.client.batch_execute(&sql).unwrap();
    }

    /// The columns of an index in this test's schema, in index order.
    pub fn index_columns(&mut self, index: &str) -> Vec<String> {
        let sql = "SELECT a.attname::text FROM pg_index i \
            JOIN pg_class c ON c.oid = i.indexrelid \
            JOIN pg_namespace n ON n.oid = c.relnamespace \
            JOIN unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, position) ON true \
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
            WHERE c.relname = $1 AND n.nspname = current_schema() \
            ORDER BY k.position";
        let rows = self.client.query(sql, &[&index]).unwrap();
        rows.iter().map(|row| row.get(0)).collect()
    }

    /// A column's values as the server prints them.
    pub fn stored_text(&mut self, table: &str, column: &str) -> Vec<String> {
        let sql = format!("SELECT \"{column}\"::text FROM \"{table}\"");
        let rows = self.client.query(&sql, &[]).unwrap();
        rows.iter().map(|row| row.get(0)).collect()
    }

    /// Whether `text` is a timestamp with time zone as the server prints
    /// it in UTC (`2026-01-01 00:00:00.123+00`).
    pub fn is_stored_datetime(&self, text: &str) -> bool {
        chrono::DateTime::parse_from_str(&format!("{text}00"), "%Y-%m-%d %H:%M:%S%.f%z").is_ok()
            && text.ends_with("+00")
    }
}

#[test]
fn init_db_creates_every_table_and_is_safe_to_run_again() {
    let mut db = db();
    api::init_db(db.conn()).unwrap();
    let rows = db
        .conn()
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name <> 'schemagen_migrations' \
             ORDER BY table_name",
            &[],
        )
        .unwrap();
    let tables: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(tables, [{{ sorted_tables|join(", ") }}]);
}

#[test]
fn init_db_from_two_workers_at_once_creates_the_tables_once() {
    let mut db = TestDb::empty();
    let url = std::env::var(URL_VARIABLE).unwrap();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (url, schema) = (url.clone(), db.schema.clone());
            std::thread::spawn(move || {
                let mut client = api::connect(&url).unwrap();
                client.batch_execute(&format!("SET search_path TO {schema}")).unwrap();
                api::init_db(&mut client)
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap().unwrap();
    }
    let row = db
        .conn()
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name <> 'schemagen_migrations'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), {{ sorted_tables.len() }});
    let recorded = db
        .conn()
        .query_one("SELECT COUNT(*) FROM schemagen_migrations", &[])
        .unwrap();
    let embedded = MIGRATIONS.len() as i64;
    assert_eq!(recorded.get::<_, i64>(0), embedded, "each migration applied once");
}

#[test]
fn a_database_made_before_migrations_is_taken_as_migrated() {
    let mut db = TestDb::empty();
    let first = MIGRATIONS[0].postgres;
    db.conn().batch_execute(first).unwrap();
    let applied = api::migrate(db.conn()).unwrap();
    let later: Vec<&str> = MIGRATIONS[1..].iter().map(|m| m.id).collect();
    assert_eq!(applied, later);
}
