//! The `schemagen` binary as a user runs it: exit codes, what is written,
//! what is left alone.

mod common;

use std::fs;
use std::path::Path;

use common::{schemagen, snapshot_dir, stderr, stdout};

/// A scratch project holding a copy of a fixture schema.
fn project(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let schema = common::root()
        .join("tests/fixtures")
        .join(fixture)
        .join("schema.yaml");
    fs::copy(schema, dir.path().join("schema.yaml")).unwrap();
    dir
}

fn write_schema(dir: &Path, text: &str) {
    fs::write(dir.join("schema.yaml"), text).unwrap();
}

#[test]
fn generate_writes_the_crate_then_rewrites_nothing() {
    let dir = project("minimal");
    let first = schemagen(dir.path(), &["generate"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("created  generated/src/notes.rs"));
    let before = snapshot_dir(&dir.path().join("generated"));

    let second = schemagen(dir.path(), &["generate"]);
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("0 created, 0 updated, 0 removed"),
        "{}",
        stdout(&second)
    );
    // Unchanged files are not rewritten: same bytes, same modification times.
    assert_eq!(snapshot_dir(&dir.path().join("generated")), before);
}

#[test]
fn invalid_schema_exits_2_names_the_problem_and_writes_nothing() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let before = snapshot_dir(&dir.path().join("generated"));

    let broken = fs::read_to_string(dir.path().join("schema.yaml"))
        .unwrap()
        .replace("body: text", "body: txt");
    write_schema(dir.path(), &broken);
    let run = schemagen(dir.path(), &["generate"]);
    assert_eq!(run.status.code(), Some(2));
    let message = stderr(&run);
    assert!(
        message.contains("model `Note`, field `body`: unknown type `txt`; did you mean `text`?"),
        "{message}"
    );
    assert!(message.contains("schema.yaml:"), "{message}");
    assert_eq!(snapshot_dir(&dir.path().join("generated")), before);

    // Nor does it create an output directory.
    let run = schemagen(dir.path(), &["generate", "--out", "fresh"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!dir.path().join("fresh").exists());
}

#[test]
fn check_reports_a_stale_crate_with_a_diff_and_exits_1() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    assert!(schemagen(dir.path(), &["generate", "--check"])
        .status
        .success());

    let changed = fs::read_to_string(dir.path().join("schema.yaml"))
        .unwrap()
        .replace(
            "body: text",
            "body: text\n      pinned: { type: bool, default: false }",
        );
    write_schema(dir.path(), &changed);
    let before = snapshot_dir(&dir.path().join("generated"));
    let run = schemagen(dir.path(), &["generate", "--check"]);
    assert_eq!(run.status.code(), Some(1));
    let report = stderr(&run);
    assert!(
        report.contains("changed:  generated/src/notes.rs"),
        "{report}"
    );
    assert!(report.contains("+    pub pinned: bool,"), "{report}");
    assert!(report.contains("cargo run -- generate"), "{report}");
    assert_eq!(snapshot_dir(&dir.path().join("generated")), before);
}

#[test]
fn files_the_schema_no_longer_produces_are_removed_and_others_kept() {
    let dir = project("every_type_and_option");
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let generated = dir.path().join("generated");
    fs::write(generated.join("NOTES.md"), "mine").unwrap();
    assert!(generated.join("src/audit_entries.rs").exists());

    let text = fs::read_to_string(dir.path().join("schema.yaml")).unwrap();
    let without_audit = &text[..text.find("  AuditEntry:").unwrap()];
    write_schema(dir.path(), without_audit);
    let run = schemagen(dir.path(), &["generate"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).contains("removed  generated/src/audit_entries.rs"));
    assert!(!generated.join("src/audit_entries.rs").exists());
    assert_eq!(
        fs::read_to_string(generated.join("NOTES.md")).unwrap(),
        "mine"
    );
}

#[test]
fn a_file_schemagen_did_not_write_is_never_overwritten() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    // A file the manifest does not list is someone else's.
    let manifest = dir.path().join("generated/.schemagen-files");
    let listed = fs::read_to_string(&manifest).unwrap();
    let unlisted: String = listed
        .lines()
        .filter(|line| !line.starts_with("src/lib.rs"))
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(&manifest, unlisted).unwrap();
    let src = dir.path().join("generated/src");
    fs::write(src.join("lib.rs"), "// hand-written\n").unwrap();
    let cargo_toml = dir.path().join("generated/Cargo.toml");
    fs::write(&cargo_toml, "# stale\n").unwrap();
    let run = schemagen(dir.path(), &["generate"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("was not written by schemagen"),
        "{}",
        stderr(&run)
    );
    assert_eq!(
        fs::read_to_string(src.join("lib.rs")).unwrap(),
        "// hand-written\n"
    );
    assert_eq!(
        fs::read_to_string(&cargo_toml).unwrap(),
        "# stale\n",
        "nothing else is written"
    );
    // Files are staged as they are rendered; those staged before the
    // refusal are gone again.
    assert_eq!(
        temporaries_under(&dir.path().join("generated")),
        [] as [String; 0]
    );
}

/// The temporary files and directories of a run under `dir`.
fn temporaries_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".schemagen-tmp-") {
                found.push(entry.path().display().to_string());
            } else if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            }
        }
    }
    found
}

#[test]
fn a_schema_the_trial_refuses_leaves_every_directory_as_it_was() {
    // The trial runs while the files are rendered and written; a schema it
    // refuses must still change nothing, like any other mistake.
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let generated = dir.path().join("generated");
    let before = snapshot_dir(&generated);
    let refused = common::root().join("tests/bad_schemas/example_refused_by_checks.yaml");
    fs::copy(refused, dir.path().join("schema.yaml")).unwrap();

    let run = schemagen(dir.path(), &["generate"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("refuses the example row"),
        "{}",
        stderr(&run)
    );
    assert_eq!(snapshot_dir(&generated), before);
    assert_eq!(temporaries_under(&generated), [] as [String; 0]);

    let run = schemagen(dir.path(), &["generate", "--out", "fresh"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(!dir.path().join("fresh").exists());
}

#[test]
fn a_directory_schemagen_did_not_create_is_refused() {
    let dir = project("minimal");
    let src = dir.path().join("generated/src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("lib.rs"), "// hand-written\n").unwrap();
    let run = schemagen(dir.path(), &["generate"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("not empty"), "{}", stderr(&run));
    assert_eq!(
        fs::read_to_string(src.join("lib.rs")).unwrap(),
        "// hand-written\n"
    );
    assert!(!dir.path().join("generated/Cargo.toml").exists());
}

#[test]
fn validate_checks_without_writing() {
    let dir = project("minimal");
    let run = schemagen(dir.path(), &["validate"]);
    assert!(run.status.success());
    assert!(stdout(&run).contains("schema.yaml is valid: 1 models"));
    assert!(!dir.path().join("generated").exists());
}

#[test]
fn init_db_creates_a_database_with_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pipeline.db");
    let schema = common::root().join("schema.yaml");
    for _ in 0..2 {
        let run = schemagen(
            dir.path(),
            &[
                "init-db",
                db.to_str().unwrap(),
                "--schema",
                schema.to_str().unwrap(),
            ],
        );
        assert!(run.status.success(), "{}", stderr(&run));
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'schemagen_migrations'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let models = schemagen::load_and_validate(&schema).unwrap().models.len();
    assert_eq!(tables, models as i64);
    // The project has migrations: the database has its history.
    let applied: i64 = conn
        .query_row("SELECT COUNT(*) FROM schemagen_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    let migrations =
        schemagen::migrate::history::read_migrations(&common::root().join("migrations")).unwrap();
    assert_eq!(applied, migrations.len() as i64);
}

#[test]
fn json_format_prints_one_object_per_error() {
    let dir = tempfile::tempdir().unwrap();
    write_schema(
        dir.path(),
        "crate: x\nmodels:\n  A:\n    table: a\n    fields:\n      id: { type: integer, primary_key: true }\n      b: { type: int, references: aa.id }\n",
    );
    let run = schemagen(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(run.status.code(), Some(2));
    let printed = stdout(&run);
    let lines: Vec<&str> = printed.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("\"code\":\"unknown-type\"") && lines[0].contains("\"line\":6"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("\"code\":\"unknown-table\"") && lines[1].contains("\"line\":7"),
        "{}",
        lines[1]
    );
}

#[test]
fn help_explains_each_command() {
    let run = schemagen(Path::new("."), &["--help"]);
    let help = stdout(&run);
    for command in ["generate", "validate", "init-db"] {
        assert!(help.contains(command), "{help}");
    }
    let generate = stdout(&schemagen(Path::new("."), &["generate", "--help"]));
    assert!(
        generate.contains("--check") && generate.contains("--out") && generate.contains("--schema")
    );
}

/// Runs the binary with no program on its `PATH` and `RUSTFMT` naming one
/// that does not exist: no rustfmt (nor cargo) can be found.
fn schemagen_without_rustfmt(dir: &Path, args: &[&str]) -> std::process::Output {
    let missing = dir.join("no-such-rustfmt");
    let empty = dir.join("empty-path");
    fs::create_dir_all(&empty).unwrap();
    common::schemagen_with_env(dir, args, &[("RUSTFMT", &missing), ("PATH", &empty)])
}

#[test]
fn generate_needs_no_rustfmt() {
    let dir = project("every_type_and_option");
    let first = schemagen_without_rustfmt(dir.path(), &["generate"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let generated = dir.path().join("generated");
    let before = snapshot_dir(&generated);
    // What it wrote is what rustfmt prints: `tests/rustfmt_oracle.rs`
    // checks that for random schemas; here, that a second run and
    // `--check` agree with the first.
    let check = schemagen_without_rustfmt(dir.path(), &["generate", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    // `--reformat` once refreshed rustfmt's cache; it is still accepted and
    // changes nothing.
    let again = schemagen_without_rustfmt(dir.path(), &["generate", "--reformat"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(snapshot_dir(&generated), before);
}

#[test]
fn a_hand_edited_generated_file_is_not_taken_from_the_cache() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let notes = dir.path().join("generated/src/notes.rs");
    let original = fs::read_to_string(&notes).unwrap();
    fs::write(&notes, format!("{original}// edited by hand\n")).unwrap();

    let check = schemagen(dir.path(), &["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("src/notes.rs"),
        "{}",
        stderr(&check)
    );

    assert!(schemagen(dir.path(), &["generate"]).status.success());
    assert_eq!(fs::read_to_string(&notes).unwrap(), original);
}

#[test]
fn migrate_new_writes_a_migration_then_nothing_until_the_schema_changes() {
    let dir = project("minimal");
    let run = schemagen(dir.path(), &["migrate", "new", "init"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("create table `notes`"),
        "{}",
        stdout(&run)
    );
    for file in ["sqlite.sql", "postgres.sql", "schema.yaml"] {
        assert!(dir.path().join("migrations/0001_init").join(file).exists());
    }
    let again = schemagen(dir.path(), &["migrate", "new", "again"]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("no changes"), "{}", stdout(&again));
    assert!(!dir.path().join("migrations/0002_again").exists());
}

#[test]
fn generate_check_fails_until_a_migration_covers_the_schema_change() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["migrate", "new", "init"])
        .status
        .success());
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let text = fs::read_to_string(dir.path().join("schema.yaml")).unwrap();
    write_schema(
        dir.path(),
        &format!("{text}      pinned: {{ type: bool, default: false }}\n"),
    );
    let run = schemagen(dir.path(), &["generate", "--check"]);
    assert_eq!(run.status.code(), Some(1));
    let report = stderr(&run);
    assert!(report.contains("no migration covers"), "{report}");
    assert!(report.contains("add column `notes.pinned`"), "{report}");
    assert!(report.contains("schemagen migrate new NAME"), "{report}");
    assert!(schemagen(dir.path(), &["migrate", "new", "pin"])
        .status
        .success());
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let run = schemagen(dir.path(), &["generate", "--check"]);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn a_destructive_change_is_refused_with_its_place_unless_allowed() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["migrate", "new", "init"])
        .status
        .success());
    let text = fs::read_to_string(dir.path().join("schema.yaml")).unwrap();
    write_schema(dir.path(), &text.replace("      body: text\n", ""));
    let run = schemagen(dir.path(), &["migrate", "new", "drop_body"]);
    assert_eq!(run.status.code(), Some(2));
    let report = stderr(&run);
    assert!(report.contains("schema::destructive-change"), "{report}");
    assert!(report.contains("drops column `notes.body`"), "{report}");
    // Removed things are shown where they were: in the previous snapshot.
    assert!(
        report.contains("migrations/0001_init/schema.yaml:8:"),
        "{report}"
    );
    assert!(!dir.path().join("migrations/0002_drop_body").exists());
    let run = schemagen(
        dir.path(),
        &["migrate", "new", "drop_body", "--allow-destructive"],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let sql = fs::read_to_string(dir.path().join("migrations/0002_drop_body/sqlite.sql")).unwrap();
    assert!(
        sql.contains("-- DESTRUCTIVE: drops column `notes.body`"),
        "{sql}"
    );
}

#[test]
fn migrate_apply_and_status_on_an_sqlite_file() {
    let dir = project("minimal");
    assert!(schemagen(dir.path(), &["migrate", "new", "init"])
        .status
        .success());
    let run = schemagen(dir.path(), &["migrate", "status", "app.db"]);
    assert!(
        stdout(&run).contains("pending  0001_init"),
        "{}",
        stdout(&run)
    );
    let run = schemagen(dir.path(), &["migrate", "apply", "app.db"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("applied  0001_init"),
        "{}",
        stdout(&run)
    );
    let run = schemagen(dir.path(), &["migrate", "apply", "app.db"]);
    assert!(stdout(&run).contains("up to date"), "{}", stdout(&run));
    let conn = rusqlite::Connection::open(dir.path().join("app.db")).unwrap();
    conn.execute_batch("CREATE INDEX by_hand ON notes (body)")
        .unwrap();
    let run = schemagen(dir.path(), &["migrate", "status", "app.db"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stdout(&run).contains("index `by_hand`"), "{}", stdout(&run));
}
