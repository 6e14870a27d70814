//! Migrations, end to end through `migrate new` and the runner, on SQLite
//! and PostgreSQL. Each sequence under `tests/migrations/<name>/` holds
//! versions `01.yaml`, `02.yaml`, ... of one schema. A database made at
//! version 1 gets rows in every table, is migrated to the last version, and
//! must then have the catalog of a fresh database made at that version,
//! column by column, constraint by constraint, index by index, and keep
//! every row the changes do not drop.

mod common;

use common::PgSchema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemagen::catalog::{self, Catalog};
use schemagen::ir::{FieldType, Schema};
use schemagen::migrate::history::{self, Migration};
use schemagen::migrate::runner::{self, RunError, Target};
use schemagen::migrate::{diff, Engine};

const ROWS: i64 = 3;

fn sequences() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(common::root().join("tests/migrations"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn versions(sequence: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sequence)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn schema(path: &Path) -> Schema {
    schemagen::load_and_validate(path).unwrap()
}

/// A project directory whose schema.yaml is `version`, with migrations
/// written up to it.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn migrations_dir(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    /// Writes the migration to `version`.
    fn migrate_to(&self, version: &Path, name: &str) {
        let schema_path = self.dir.path().join("schema.yaml");
        std::fs::copy(version, &schema_path).unwrap();
        match schemagen::migrate_new(&schema_path, &self.migrations_dir(), name, true) {
            Ok(_) => {}
            Err(error) => panic!("migrate new {name}: {error}"),
        }
    }

    fn migrations(&self) -> Vec<Migration> {
        history::read_migrations(&self.migrations_dir()).unwrap()
    }
}

/// A literal of the field's type for row `n`, on `engine`.
fn literal(ty: &FieldType, n: i64, engine: Engine) -> String {
    match ty {
        FieldType::Int => n.to_string(),
        FieldType::Float => format!("{n}.5"),
        FieldType::String { .. } | FieldType::Text => format!("'v{n}'"),
        FieldType::Bool => match engine {
            Engine::Sqlite => (n % 2).to_string(),
            Engine::Postgres => (n % 2 == 1).to_string(),
        },
        FieldType::DateTime => format!("'2026-01-0{n}T10:00:00.000Z'"),
        FieldType::Json => format!("'{{\"n\": {n}}}'"),
        FieldType::Enum(e) => format!("'{}'", e.variants[0].value),
    }
}

/// `ROWS` rows in every table, parents first; references point at the
/// parent row with the same number.
fn seed_sql(schema: &Schema, engine: Engine) -> Vec<String> {
    let mut statements = Vec::new();
    for model in schema.models_in_creation_order() {
        for n in 1..=ROWS {
            let mut columns = Vec::new();
            let mut values = Vec::new();
            for field in &model.fields {
                if field.autoincrement {
                    continue;
                }
                columns.push(schemagen::naming::sql_ident(&field.column));
                values.push(match &field.foreign_key {
                    Some(_) => n.to_string(),
                    None => literal(&field.ty, n, engine),
                });
            }
            statements.push(format!(
                "INSERT INTO {} ({}) VALUES ({});",
                schemagen::naming::sql_ident(&model.table),
                columns.join(", "),
                values.join(", ")
            ));
        }
    }
    statements
}

/// How many rows each table of the last version should hold: `ROWS` for
/// a table kept from version 1 (under any name), none for a later one.
fn expected_rows(versions: &[PathBuf]) -> BTreeMap<String, i64> {
    let first = schema(&versions[0]);
    let mut rows: BTreeMap<String, i64> = first
        .models
        .iter()
        .map(|m| (m.table.clone(), ROWS))
        .collect();
    for pair in versions.windows(2) {
        let (old, new) = (schema(&pair[0]), schema(&pair[1]));
        let diff = diff::diff(&old, &new);
        let mut next = BTreeMap::new();
        for model in &new.models {
            let kept = diff
                .tables
                .iter()
                .find(|t| new.models[t.new].table == model.table);
            let count = match kept {
                Some(t) => rows.get(&old.models[t.old].table).copied().unwrap_or(0),
                None if diff
                    .created
                    .iter()
                    .any(|&c| new.models[c].table == model.table) =>
                {
                    0
                }
                None => rows.get(&model.table).copied().unwrap_or(0),
            };
            next.insert(model.table.clone(), count);
        }
        rows = next;
    }
    rows
}

fn sqlite_count(conn: &rusqlite::Connection, table: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM {}",
        schemagen::naming::sql_ident(table)
    );
    conn.query_row(&sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn every_sequence_migrates_sqlite_to_the_fresh_catalog_keeping_rows() {
    for sequence in sequences() {
        let versions = versions(&sequence);
        let project = Project::new();
        project.migrate_to(&versions[0], "v01");
        let db = project.dir.path().join("db.sqlite");
        let target = Target::Sqlite(db.clone());
        runner::apply(&target, &project.migrations()).unwrap();
        let conn = rusqlite::Connection::open(&db).unwrap();
        for statement in seed_sql(&schema(&versions[0]), Engine::Sqlite) {
            conn.execute_batch(&statement).unwrap();
        }
        drop(conn);
        for (i, version) in versions.iter().enumerate().skip(1) {
            project.migrate_to(version, &format!("v{:02}", i + 1));
        }
        let applied = runner::apply(&target, &project.migrations()).unwrap();
        assert_eq!(applied.len(), versions.len() - 1, "{}", sequence.display());

        let fresh = Project::new();
        fresh.migrate_to(versions.last().unwrap(), "fresh");
        let fresh_db = fresh.dir.path().join("db.sqlite");
        runner::apply(&Target::Sqlite(fresh_db.clone()), &fresh.migrations()).unwrap();

        let conn = rusqlite::Connection::open(&db).unwrap();
        let migrated = catalog::sqlite::read(&conn).unwrap();
        let expected =
            catalog::sqlite::read(&rusqlite::Connection::open(&fresh_db).unwrap()).unwrap();
        assert_same_catalog(&migrated, &expected, &sequence, "SQLite");
        for (table, rows) in expected_rows(&versions) {
            assert_eq!(
                sqlite_count(&conn, &table),
                rows,
                "{table} in {}",
                sequence.display()
            );
        }
        if sequence.ends_with("evolving") {
            // Renamed columns keep their values.
            let values = |sql: &str| -> Vec<String> {
                let mut statement = conn.prepare(sql).unwrap();
                let rows = statement.query_map([], |row| row.get(0)).unwrap();
                rows.collect::<Result<_, _>>().unwrap()
            };
            assert_eq!(
                values("SELECT headline FROM videos ORDER BY id"),
                ["v1", "v2", "v3"]
            );
            assert_eq!(
                values("SELECT title FROM sources ORDER BY id"),
                ["v1", "v2", "v3"]
            );
            assert_eq!(
                values("SELECT comment FROM clips ORDER BY id"),
                ["v1", "v2", "v3"]
            );
        }
        let fk_errors: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(fk_errors, 0);
    }
}

fn assert_same_catalog(migrated: &Catalog, fresh: &Catalog, sequence: &Path, engine: &str) {
    let drift = migrated.drift_from(fresh);
    assert!(
        drift.is_empty(),
        "{engine}: {} migrated differs from fresh:\n{}",
        sequence.display(),
        drift.lines().join("\n")
    );
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set PIPELINE_DB_TEST_POSTGRES_URL to run"
)]
fn every_sequence_migrates_postgres_to_the_fresh_catalog_keeping_rows() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    for sequence in sequences() {
        let versions = versions(&sequence);
        let project = Project::new();
        project.migrate_to(&versions[0], "v01");
        let mut migrated = PgSchema::new(&url, "migrate_migrated");
        runner::apply(&migrated.target(), &project.migrations()).unwrap();
        let search_path = format!("SET search_path TO {}", migrated.name);
        migrated.client.batch_execute(&search_path).unwrap();
        for statement in seed_sql(&schema(&versions[0]), Engine::Postgres) {
            migrated.client.batch_execute(&statement).unwrap();
        }
        for (i, version) in versions.iter().enumerate().skip(1) {
            project.migrate_to(version, &format!("v{:02}", i + 1));
        }
        let applied = runner::apply(&migrated.target(), &project.migrations()).unwrap();
        assert_eq!(applied.len(), versions.len() - 1);

        let fresh_project = Project::new();
        fresh_project.migrate_to(versions.last().unwrap(), "fresh");
        let mut fresh = PgSchema::new(&url, "migrate_fresh");
        runner::apply(&fresh.target(), &fresh_project.migrations()).unwrap();
        let (migrated_catalog, fresh_catalog) = (migrated.catalog(), fresh.catalog());
        assert_same_catalog(&migrated_catalog, &fresh_catalog, &sequence, "PostgreSQL");
        for (table, rows) in expected_rows(&versions) {
            assert_eq!(
                migrated.count(&table),
                rows,
                "{table} in {}",
                sequence.display()
            );
        }
        if sequence.ends_with("evolving") {
            let sql = format!("SELECT headline FROM {}.videos ORDER BY id", migrated.name);
            let rows = migrated.client.query(&sql, &[]).unwrap();
            let headlines: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
            assert_eq!(headlines, ["v1", "v2", "v3"]);
        }
    }
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set PIPELINE_DB_TEST_POSTGRES_URL to run"
)]
fn a_migration_that_fails_half_way_leaves_postgres_as_it_was() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let versions = versions(&sequences()[0]);
    let project = Project::new();
    project.migrate_to(&versions[0], "v01");
    let mut db = PgSchema::new(&url, "migrate_fault");
    runner::apply(&db.target(), &project.migrations()).unwrap();
    let search_path = format!("SET search_path TO {}", db.name);
    db.client.batch_execute(&search_path).unwrap();
    for statement in seed_sql(&schema(&versions[0]), Engine::Postgres) {
        db.client.batch_execute(&statement).unwrap();
    }
    // The channels share a title; making titles unique must fail, after
    // the migration's first step (a new column) has run.
    db.client
        .batch_execute("UPDATE channels SET title = 'same'")
        .unwrap();
    let before = db.catalog();
    let rows_before = db.count("channels");
    let next = project.dir.path().join("next.yaml");
    let text = std::fs::read_to_string(&versions[0]).unwrap();
    let changed = text
        .replace("title: string(100)", "title: { type: string(100), unique: true }")
        .replace(
            "      kind: { type: enum, values: [music, talk] }",
            "      kind: { type: enum, values: [music, talk] }\n      added: { type: int, default: 1 }",
        );
    std::fs::write(&next, changed).unwrap();
    project.migrate_to(&next, "unique_titles");
    let sql = project.migrations()[1].sql(Engine::Postgres).unwrap();
    let position = |text: &str| {
        sql.find(text)
            .unwrap_or_else(|| panic!("no {text} in {sql}"))
    };
    assert!(
        position("ADD COLUMN added") < position("UNIQUE (title)"),
        "{sql}"
    );
    let error = runner::apply(&db.target(), &project.migrations()).unwrap_err();
    assert!(error.to_string().contains("0002_unique_titles"), "{error}");
    assert_eq!(db.catalog(), before);
    assert_eq!(db.count("channels"), rows_before);
    let status = runner::status(&db.target(), &project.migrations()).unwrap();
    assert_eq!(status.pending, ["0002_unique_titles"]);
}

/// A project at version 1 of the first sequence, applied to a fresh
/// SQLite file with rows, and the migration to version 2 written.
fn sqlite_at_version_one() -> (Project, PathBuf, Vec<PathBuf>) {
    let versions = versions(&sequences()[0]);
    let project = Project::new();
    project.migrate_to(&versions[0], "v01");
    let db = project.dir.path().join("db.sqlite");
    runner::apply(&Target::Sqlite(db.clone()), &project.migrations()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    for statement in seed_sql(&schema(&versions[0]), Engine::Sqlite) {
        conn.execute_batch(&statement).unwrap();
    }
    (project, db, versions)
}

#[test]
fn a_migration_that_fails_half_way_leaves_the_sqlite_file_byte_for_byte() {
    let (project, db, _) = sqlite_at_version_one();
    // clips.note holds NULL in one row; making it NOT NULL must fail.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE clips SET note = NULL WHERE id = 2", [])
        .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let next = project.dir.path().join("next.yaml");
    let text = std::fs::read_to_string(project.dir.path().join("schema.yaml")).unwrap();
    std::fs::write(
        &next,
        text.replace("note: { type: text, nullable: true }", "note: text"),
    )
    .unwrap();
    project.migrate_to(&next, "note_required");
    let error = runner::apply(&Target::Sqlite(db.clone()), &project.migrations()).unwrap_err();
    assert!(
        matches!(error, RunError::Statement { ref migration, .. } if migration == "0002_note_required"),
        "{error}"
    );
    assert!(error.to_string().contains("NOT NULL"), "{error}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_tampered_migration_and_a_too_new_database_are_refused() {
    let (project, db, versions) = sqlite_at_version_one();
    project.migrate_to(&versions[1], "v02");
    runner::apply(&Target::Sqlite(db.clone()), &project.migrations()).unwrap();
    // Edited after it was applied.
    let file = project.migrations()[1].dir.join(Engine::Sqlite.file_name());
    let mut sql = std::fs::read_to_string(&file).unwrap();
    sql.push_str("\n-- a harmless-looking edit\n");
    std::fs::write(&file, sql).unwrap();
    let error = runner::apply(&Target::Sqlite(db.clone()), &project.migrations()).unwrap_err();
    assert!(matches!(error, RunError::Tampered { .. }), "{error}");
    // Code that knows only the first migration meets a database at two.
    let older = &project.migrations()[..1];
    let error = runner::apply(&Target::Sqlite(db.clone()), older).unwrap_err();
    assert!(matches!(error, RunError::TooNew { .. }), "{error}");
}

#[test]
fn a_database_made_by_init_db_is_recognised_and_any_other_refused() {
    let versions = versions(&sequences()[0]);
    let project = Project::new();
    project.migrate_to(&versions[0], "v01");
    let output = schemagen::generate_output(&versions[0]).unwrap();
    let legacy_sql = output.get("schema.sql").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join("legacy.sqlite");
    rusqlite::Connection::open(&legacy)
        .unwrap()
        .execute_batch(legacy_sql)
        .unwrap();
    let applied = runner::apply(&Target::Sqlite(legacy.clone()), &project.migrations()).unwrap();
    assert!(
        applied.is_empty(),
        "the baseline is recorded, not run: {applied:?}"
    );
    let status = runner::status(&Target::Sqlite(legacy), &project.migrations()).unwrap();
    assert_eq!(status.applied.len(), 1);
    assert!(status.drift.is_empty(), "{:?}", status.drift);

    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE channels (id INTEGER PRIMARY KEY, title TEXT);")
        .unwrap();
    let error = runner::apply(&Target::Sqlite(other), &project.migrations()).unwrap_err();
    assert!(matches!(error, RunError::NotRecognised { .. }), "{error}");
}

#[test]
fn drift_is_reported_in_schema_words() {
    let (project, db, _) = sqlite_at_version_one();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "ALTER TABLE videos ADD COLUMN added_by_hand TEXT; DROP INDEX idx_videos_status;",
    )
    .unwrap();
    let status = runner::status(&Target::Sqlite(db), &project.migrations()).unwrap();
    let drift = status.drift.join("\n");
    assert!(drift.contains("column `videos.added_by_hand`"), "{drift}");
    assert!(drift.contains("index `idx_videos_status`"), "{drift}");
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set PIPELINE_DB_TEST_POSTGRES_URL to run"
)]
fn two_processes_migrating_postgres_at_once_apply_each_migration_once() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let versions = versions(&sequences()[0]);
    let project = Project::new();
    for (i, version) in versions.iter().enumerate() {
        project.migrate_to(version, &format!("v{:02}", i + 1));
    }
    let target = PgSchema::new(&url, "migrate_race");
    let migrations = project.migrations();
    let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (target, migrations) = (target.target(), &migrations);
                scope.spawn(move || runner::apply(&target, migrations).map_err(|e| e.to_string()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut applied: Vec<String> = Vec::new();
    for result in results {
        applied.extend(result.unwrap());
    }
    applied.sort();
    let expected: Vec<String> = migrations.iter().map(|m| m.id.clone()).collect();
    assert_eq!(applied, expected, "each migration applied exactly once");
}

/// The comparison above can fail: versions 1 and the last differ.
#[test]
fn the_catalog_comparison_sees_every_kind_of_difference() {
    let versions = versions(&sequences()[0]);
    let catalog_at = |version: &Path| {
        let project = Project::new();
        project.migrate_to(version, "only");
        let db = project.dir.path().join("db.sqlite");
        runner::apply(&Target::Sqlite(db.clone()), &project.migrations()).unwrap();
        catalog::sqlite::read(&rusqlite::Connection::open(&db).unwrap()).unwrap()
    };
    let first = catalog_at(&versions[0]);
    let last = catalog_at(versions.last().unwrap());
    let drift = first.drift_from(&last).lines().join("\n");
    for expected in [
        "table `legacy_items`",
        "column `videos.score`",
        "column `videos.duration`: REAL",
        "index `idx_clips_video_created`",
        "constraint `clips_start_sane`",
        "REFERENCES videos (id) ON DELETE RESTRICT",
    ] {
        assert!(drift.contains(expected), "{expected} not in:\n{drift}");
    }
    assert_eq!(
        expected_rows(&versions),
        BTreeMap::from([
            ("clips".to_owned(), ROWS),
            ("reviews".to_owned(), 0),
            ("sources".to_owned(), ROWS),
            ("videos".to_owned(), ROWS),
        ])
    );
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set PIPELINE_DB_TEST_POSTGRES_URL to run"
)]
fn a_postgres_migration_behind_a_long_query_fails_instead_of_stalling_the_table() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let versions = versions(&sequences()[0]);
    let project = Project::new();
    project.migrate_to(&versions[0], "v01");
    let db = PgSchema::new(&url, "migrate_lock");
    runner::apply(&db.target(), &project.migrations()).unwrap();
    project.migrate_to(&versions[1], "v02");
    // A reader holds its lock on `videos` in a transaction that stays open.
    let mut reader = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut long_query = reader.transaction().unwrap();
    let read = format!("SELECT count(*) FROM {}.videos", db.name);
    long_query.query_one(&read, &[]).unwrap();
    let started = std::time::Instant::now();
    let error = runner::apply(&db.target(), &project.migrations()).unwrap_err();
    let waited = started.elapsed();
    long_query.rollback().unwrap();
    assert!(error.to_string().contains("lock timeout"), "{error}");
    assert!(
        waited < std::time::Duration::from_secs(30),
        "waited {waited:?}"
    );
    // Once the reader is done, the migration goes through.
    runner::apply(&db.target(), &project.migrations()).unwrap();
}
