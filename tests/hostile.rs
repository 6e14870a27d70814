//! The adversary's corpus, `tests/hostile/`: schemas written to break the
//! generator's output rather than by mistake. The first line of each says
//! what must happen: `# expect: reject CODE` (validate refuses it with a
//! located error of that code, and nothing is generated) or `# expect:
//! accept` (both DDL files apply cleanly, on the bundled SQLite, on the
//! machine's older Python SQLite and on PostgreSQL, and create exactly the
//! declared tables, indexes and constraints, nothing else).

mod common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use schemagen::diagnostic::{load_report, schema_reports};
use schemagen::ir::Schema;
use schemagen::naming::constraint_name;
use schemagen::Error;

enum Expectation {
    Reject(String),
    Accept,
}

fn expectation(path: &Path) -> Expectation {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.split(['\n', '\r']).next().unwrap_or_default();
    match first.strip_prefix("# expect: ") {
        Some("accept") => Expectation::Accept,
        Some(rest) if rest.starts_with("reject ") => {
            Expectation::Reject(rest["reject ".len()..].trim().to_owned())
        }
        _ => panic!("{}: the first line must be `# expect: ...`", path.display()),
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(common::root().join("tests/hostile"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    paths
}

/// Every rejection is located and carries the expected code.
fn assert_rejected(path: &Path, code: &str) {
    let reports = match schemagen::load_and_validate(path) {
        Ok(_) => panic!("{} should be rejected with {code}", path.display()),
        Err(Error::Load(error)) => vec![load_report(&error)],
        Err(Error::Invalid { schema, errors }) => schema_reports(&schema, &errors),
        Err(other) => panic!("{}: unexpected error {other}", path.display()),
    };
    for report in &reports {
        assert!(
            report.span.is_some(),
            "{}: `{}` has no line and column",
            path.display(),
            report.message
        );
    }
    assert!(
        reports.iter().any(|report| report.code == code),
        "{}: expected {code}, got {:?}",
        path.display(),
        reports
            .iter()
            .map(|r| format!("{}: {}", r.code, r.message))
            .collect::<Vec<_>>()
    );
}

/// What the DDL must create: tables, user indexes, and on PostgreSQL the
/// indexes and constraints it names itself.
struct Declared {
    tables: BTreeSet<String>,
    indexes: BTreeSet<String>,
    postgres_indexes: BTreeSet<String>,
    /// `table.constraint` on PostgreSQL.
    postgres_constraints: BTreeSet<String>,
}

fn declared(schema: &Schema) -> Declared {
    let mut declared = Declared {
        tables: BTreeSet::new(),
        indexes: BTreeSet::new(),
        postgres_indexes: BTreeSet::new(),
        postgres_constraints: BTreeSet::new(),
    };
    for model in &schema.models {
        let table = model.table.as_str();
        declared.tables.insert(table.to_owned());
        let mut constraint = |name: String| {
            declared
                .postgres_constraints
                .insert(format!("{table}.{name}"));
        };
        let pkey = constraint_name(&[table, "pkey"]);
        constraint(pkey.clone());
        declared.postgres_indexes.insert(pkey);
        for field in &model.fields {
            if field.unique && !field.primary_key {
                let key = constraint_name(&[table, &field.column, "key"]);
                constraint(key.clone());
                declared.postgres_indexes.insert(key);
            }
            if matches!(field.ty, schemagen::ir::FieldType::Enum(_)) {
                constraint(constraint_name(&[table, &field.column, "check"]));
            }
            if field.foreign_key.is_some() {
                constraint(constraint_name(&[table, &field.column, "fkey"]));
            }
        }
        for check in &model.checks {
            constraint(check.name.clone());
        }
        for index in &model.indexes {
            declared.indexes.insert(index.name.clone());
            declared.postgres_indexes.insert(index.name.clone());
        }
    }
    declared
}

/// Tables and indexes of an SQLite database, without SQLite's own.
fn sqlite_objects(conn: &rusqlite::Connection) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut statement = conn
        .prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )
        .unwrap();
    let mut tables = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .unwrap();
    for row in rows {
        let (kind, name) = row.unwrap();
        match kind.as_str() {
            "table" => tables.insert(name),
            "index" => indexes.insert(name),
            other => panic!("unexpected {other} `{name}`"),
        };
    }
    (tables, indexes)
}

/// The same, on the machine's Python sqlite3 (an older SQLite than the
/// bundled one); `None` where there is no Python.
fn python_sqlite_objects(sql: &str) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    const SCRIPT: &str = "import sqlite3, sys\n\
        db = sqlite3.connect(':memory:')\n\
        db.executescript(sys.stdin.read())\n\
        for kind, name in db.execute(\"SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!'\"):\n\
        \x20   print(kind, name)\n\
        print('version', sqlite3.sqlite_version)\n";
    let mut child = match Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("note: no python3; skipping the older SQLite");
            return None;
        }
        Err(error) => panic!("CI needs python3 for the older SQLite: {error}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "Python's sqlite3 refused the DDL:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut tables = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        match line.split_once(' ') {
            Some(("table", name)) => tables.insert(name.to_owned()),
            Some(("index", name)) => indexes.insert(name.to_owned()),
            Some(("version", _)) => true,
            _ => panic!("unexpected line {line}"),
        };
    }
    Some((tables, indexes))
}

fn assert_applies_as_declared(path: &Path) {
    let schema = schemagen::load_and_validate(path)
        .unwrap_or_else(|error| panic!("{} should be accepted: {error}", path.display()));
    let output = schemagen::render::render_schema(&schema);
    let declared = declared(&schema);
    let sqlite_sql = output.get("schema.sql").unwrap();

    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(sqlite_sql)
        .unwrap_or_else(|error| panic!("{}: SQLite refused the DDL: {error}", path.display()));
    let (tables, indexes) = sqlite_objects(&conn);
    assert_eq!(tables, declared.tables, "{}: SQLite tables", path.display());
    assert_eq!(
        indexes,
        declared.indexes,
        "{}: SQLite indexes",
        path.display()
    );

    if let Some((tables, indexes)) = python_sqlite_objects(sqlite_sql) {
        assert_eq!(
            tables,
            declared.tables,
            "{}: older SQLite tables",
            path.display()
        );
        assert_eq!(
            indexes,
            declared.indexes,
            "{}: older SQLite indexes",
            path.display()
        );
    }

    if let Some(url) = common::postgres_url() {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let name = format!(
            "hostile_{}_{}",
            std::process::id(),
            path.file_stem().unwrap().to_string_lossy()
        );
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; \
                 SET search_path TO {name}; SET client_min_messages = warning"
            ))
            .unwrap();
        let result = client.batch_execute(output.get("schema.postgres.sql").unwrap());
        let objects = |client: &mut postgres::Client, kind: &str| -> BTreeSet<String> {
            client
                .query(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND c.relkind = $2::text::\"char\"",
                    &[&name, &kind],
                )
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect()
        };
        let tables = objects(&mut client, "r");
        let indexes = objects(&mut client, "i");
        let constraints: BTreeSet<String> = client
            .query(
                "SELECT c.relname || '.' || k.conname FROM pg_constraint k \
                 JOIN pg_class c ON c.oid = k.conrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND k.contype <> 'n'",
                &[&name],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        client
            .batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
            .unwrap();
        result.unwrap_or_else(|error| {
            panic!("{}: PostgreSQL refused the DDL: {error:?}", path.display())
        });
        assert_eq!(
            tables,
            declared.tables,
            "{}: PostgreSQL tables",
            path.display()
        );
        assert_eq!(
            indexes,
            declared.postgres_indexes,
            "{}: PostgreSQL indexes",
            path.display()
        );
        assert_eq!(
            constraints,
            declared.postgres_constraints,
            "{}: PostgreSQL constraints",
            path.display()
        );
    }
}

#[test]
fn every_hostile_schema_is_refused_with_a_location_or_works_on_every_engine() {
    let corpus = corpus();
    assert!(corpus.len() >= 25, "the corpus has {} cases", corpus.len());
    for path in corpus {
        match expectation(&path) {
            Expectation::Reject(code) => assert_rejected(&path, &code),
            Expectation::Accept => assert_applies_as_declared(&path),
        }
    }
}

/// The rendered output of the accepted case `tests/hostile/<name>.yaml`.
fn render_case(name: &str) -> schemagen::Output {
    let path = common::root().join(format!("tests/hostile/{name}.yaml"));
    let schema = schemagen::load_and_validate(&path).unwrap();
    schemagen::render::render_schema(&schema)
}

#[test]
fn two_signs_stay_two_signs_and_mean_what_they_say() {
    let output = render_case("check_with_double_minus");
    let sql = output.get("schema.sql").unwrap();
    assert!(sql.contains("n > -(-1)"), "{sql}");
    assert!(!sql.contains("--1"), "{sql}");
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(sql).unwrap();
    let insert = |n: i64| conn.execute("INSERT INTO alpha (id, n) VALUES (?1, ?1)", [n]);
    assert!(insert(1).is_err(), "n > 1 must refuse 1");
    assert!(insert(2).is_ok(), "n > 1 must take 2");
    assert!(insert(105).is_err(), "n < 105 must refuse 105");
}

#[test]
fn like_and_text_order_mean_the_same_on_both_engines() {
    let output = render_case("checks_both_engines_agree_on");
    let sqlite = output.get("schema.sql").unwrap();
    let postgres = output.get("schema.postgres.sql").unwrap();
    // SQLite's LIKE ignores case; GLOB matches as PostgreSQL's LIKE does.
    assert!(sqlite.contains("email GLOB '*@*'"), "{sqlite}");
    assert!(sqlite.contains("email NOT GLOB '*[*]*'"), "{sqlite}");
    assert!(postgres.contains("email LIKE '%@%'"), "{postgres}");
    // PostgreSQL orders text by its locale unless told to go by bytes.
    assert!(postgres.contains("name COLLATE \"C\" >= 'A'"), "{postgres}");
}

#[test]
fn docs_render_as_text_in_rustdoc() {
    let output = render_case("doc_with_code_fence");
    let module = output.get("src/alpha.rs").unwrap();
    assert!(module.contains("//! \\```"), "{module}");
    assert!(module.contains("/// \\~~~"), "{module}");
    assert!(!module.contains("//!     indented"), "{module}");
    for sql in ["schema.sql", "schema.postgres.sql"] {
        let text = output.get(sql).unwrap();
        assert!(
            text.contains("-- -- nor SQL: ); DROP TABLE alpha; --"),
            "{sql}: {text}"
        );
    }
}

#[test]
fn a_schema_file_name_that_would_leave_its_comment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["bad\nname.yaml", "bad\rname.yaml", "quote\".yaml"] {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            "crate: x\nmodels:\n  A:\n    table: a\n    fields:\n      id: { type: int, primary_key: true }\n",
        )
        .unwrap();
        match schemagen::load_and_validate(&path) {
            Err(Error::Load(error)) => {
                assert_eq!(load_report(&error).code, "bad-file-name", "{name:?}")
            }
            other => panic!("{name:?}: expected a bad file name, got {other:?}"),
        }
    }
}

#[test]
fn deep_nesting_is_refused_before_parsing_in_linear_time() {
    let text = format!("crate: x\nmodels: {}", "[".repeat(100_000));
    let start = std::time::Instant::now();
    let result = schemagen::load::load_schema_str(Path::new("deep.yaml"), text);
    let elapsed = start.elapsed();
    match result {
        Err(error) => {
            let report = load_report(&error);
            assert!(report.message.contains("nest deeper"), "{}", report.message);
            let span = report.span.expect("the report points at the bracket");
            assert_eq!(
                (span.line, span.column),
                (2, 9 + schemagen::load::MAX_FLOW_NESTING)
            );
        }
        Ok(_) => panic!("100,000 nested `[` must be refused"),
    }
    assert!(
        elapsed < std::time::Duration::from_secs(2),
        "took {elapsed:?}"
    );
}
