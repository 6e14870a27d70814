//! Wrong schemas, one mistake a person could make per file under
//! `tests/bad_schemas/`, and the report each gets, as the CLI prints it
//! (without colour). Every report must locate the mistake and say how to
//! fix it; none may panic or produce output.

use std::path::Path;

use schemagen::diagnostic::{load_report, schema_reports, Report};
use schemagen::Error;

/// The rendered reports for the schema at `path` (relative, so snapshots
/// do not depend on where the checkout lives).
fn reports(path: &Path) -> Vec<Report> {
    match schemagen::load_and_validate(path) {
        Ok(_) => panic!("{} should be rejected", path.display()),
        Err(Error::Load(error)) => vec![load_report(&error)],
        Err(Error::Invalid { schema, errors }) => schema_reports(&schema, &errors),
        Err(other) => panic!("{}: unexpected error {other}", path.display()),
    }
}

#[test]
fn every_bad_schema_gets_a_located_report_with_a_fix() {
    let mut paths: Vec<_> = std::fs::read_dir("tests/bad_schemas")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 15);
    for path in paths {
        let reports = reports(&path);
        let mut text = String::new();
        for report in &reports {
            if path.file_name().unwrap() != "empty.yaml" {
                assert!(
                    report.span.is_some(),
                    "{}: {} has no position",
                    path.display(),
                    report.message
                );
            }
            text.push_str(&report.render(false));
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({
            snapshot_path => "bad_schemas/snapshots",
            prepend_module_to_snapshot => false,
            description => format!("tests/bad_schemas/{name}.yaml"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

#[test]
fn several_mistakes_are_all_reported_in_one_run() {
    let reports = reports(Path::new("tests/bad_schemas/several_mistakes_at_once.yaml"));
    let codes: Vec<&str> = reports.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        [
            "unknown-type",
            "unknown-table",
            "unknown-on-delete",
            "default-not-a-variant"
        ]
    );
}

#[test]
fn a_string_default_cannot_break_out_of_its_literal() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "crate: x\nmodels:\n  Note:\n    table: notes\n    fields:\n      id: { type: int, primary_key: true, autoincrement: true }\n      body: { type: text, default: \"x'); DROP TABLE notes; --\" }\n",
    )
    .unwrap();
    let resolved = schemagen::load_and_validate(&schema).unwrap();
    let output = schemagen::render::render_schema(&resolved);
    let sql = output.get("schema.sql").unwrap();
    assert!(
        sql.contains("DEFAULT 'x''); DROP TABLE notes; --'"),
        "{sql}"
    );
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(sql).unwrap();
    conn.execute("INSERT INTO notes DEFAULT VALUES", [])
        .unwrap();
    let body: String = conn
        .query_row("SELECT body FROM notes", [], |row| row.get(0))
        .unwrap();
    assert_eq!(body, "x'); DROP TABLE notes; --");
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'notes'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

/// Every report snapshot belongs to a schema of the corpus.
#[test]
fn no_orphaned_report_snapshots() {
    for entry in std::fs::read_dir("tests/bad_schemas/snapshots").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".snap").unwrap_or(&name);
        assert!(
            Path::new("tests/bad_schemas")
                .join(format!("{stem}.yaml"))
                .exists(),
            "tests/bad_schemas/snapshots/{name} belongs to no schema; delete it"
        );
    }
}
