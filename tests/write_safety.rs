//! `generate` under crashes and company, through the real binary: it
//! writes only under `--out`, refuses a foreign non-empty directory and
//! symbolic links, cleans up what a killed run left, and a run killed at
//! any point leaves files that are each old or new, which the next run
//! completes and `--check` judges by their contents.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{schemagen, stderr, stdout};

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_schemagen")
}

/// A schema of `models` small tables, each with an index and a foreign key.
fn synthetic_schema(models: usize) -> String {
    let mut text = String::from("crate: big-db\nmodels:\n");
    for i in 0..models {
        text.push_str(&format!(
            "  Thing{i}:\n    table: thing_{i}\n    fields:\n      id: {{ type: int, primary_key: true, autoincrement: true }}\n      name: string(40)\n      state: {{ type: enum, values: [a, b], default: a }}\n"
        ));
        if i > 0 {
            text.push_str(&format!(
                "      parent_id: {{ type: int, references: thing_{}.id, on_delete: cascade }}\n",
                i - 1
            ));
        }
        text.push_str(&format!(
            "    indexes:\n      - name: idx_thing_{i}_name\n        columns: [name]\n"
        ));
    }
    text
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(dir).unwrap().to_owned();
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn generate_writes_nothing_outside_out_and_prints_the_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(1)).unwrap();
    let run = schemagen(dir.path(), &["generate", "--out", "elsewhere/crate"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut top: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["elsewhere", "schema.yaml"]);

    let printed = schemagen(dir.path(), &["json-schema"]);
    assert!(printed.status.success());
    assert_eq!(stdout(&printed), schemagen::load::render_json_schema());
}

#[test]
fn a_foreign_non_empty_directory_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(1)).unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let run = schemagen(dir.path(), &["generate", "--out", "."]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(stderr(&run).contains("not empty"), "{}", stderr(&run));
    assert_eq!(files_under(dir.path()), ["notes.txt", "schema.yaml"]);
}

#[cfg(unix)]
#[test]
fn a_symlinked_directory_inside_out_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(1)).unwrap();
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let src = dir.path().join("generated/src");
    fs::remove_dir_all(&src).unwrap();
    std::os::unix::fs::symlink(outside.path(), &src).unwrap();

    let run = schemagen(dir.path(), &["generate"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("symbolic link"), "{}", stderr(&run));
    assert!(files_under(outside.path()).is_empty());
    let check = schemagen(dir.path(), &["generate", "--check"]);
    assert_ne!(check.status.code(), Some(0));
}

#[test]
fn leftovers_of_an_interrupted_run_are_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(3)).unwrap();
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let generated = dir.path().join("generated");
    // What a run killed halfway leaves: a staged temporary file, and a
    // file its manifest still lists but the schema no longer produces.
    fs::write(generated.join("src/.schemagen-tmp-abc123"), "half").unwrap();
    let manifest = generated.join(".schemagen-files");
    let mut text = fs::read_to_string(&manifest).unwrap();
    text.push_str("src/thing_9.rs\n");
    fs::write(&manifest, text).unwrap();
    fs::write(generated.join("src/thing_9.rs"), "// orphan").unwrap();

    let check = schemagen(dir.path(), &["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stderr(&check).contains("thing_9.rs"), "{}", stderr(&check));

    let files = generate_leaving_no_temporaries(dir.path(), &generated);
    assert!(!files.iter().any(|f| f.contains("thing_9")), "{files:?}");
    assert_up_to_date(dir.path());
}

#[test]
fn a_first_run_killed_while_staging_leaves_nothing_the_next_run_keeps() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(3)).unwrap();
    let generated = dir.path().join("generated");
    // What a first run killed before its renames leaves: its staging
    // directory, part of the tree in it, and no manifest.
    let staging = generated.join(".schemagen-tmp-XyZ123");
    fs::create_dir_all(staging.join("src")).unwrap();
    fs::write(staging.join("src/lib.rs"), "// half").unwrap();
    fs::write(staging.join("Cargo.toml"), "[package]").unwrap();

    let files = generate_leaving_no_temporaries(dir.path(), &generated);
    assert!(files.iter().any(|f| f == "src/lib.rs"), "{files:?}");
    assert_ne!(
        fs::read_to_string(generated.join("src/lib.rs")).unwrap(),
        "// half"
    );
    assert_up_to_date(dir.path());
}

#[test]
fn a_first_run_writes_each_file_once_and_no_staging_is_left() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(3)).unwrap();
    let generated = dir.path().join("generated");
    fs::create_dir(&generated).unwrap();
    let run = schemagen(dir.path(), &["generate"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let entries: Vec<String> = fs::read_dir(&generated)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !entries
            .iter()
            .any(|name| name.starts_with(".schemagen-tmp-")),
        "{entries:?}"
    );
    let manifest = fs::read_to_string(generated.join(".schemagen-files")).unwrap();
    let listed = manifest
        .lines()
        .filter(|line| !line.starts_with('#'))
        .count();
    // Every listed file is there, and nothing else but the manifest.
    assert_eq!(files_under(&generated).len(), listed + 1);
    assert_up_to_date(dir.path());
}

/// Runs `generate` in `dir`, which must succeed and leave no temporary
/// file or directory under `generated`; gives the files there.
fn generate_leaving_no_temporaries(dir: &Path, generated: &Path) -> Vec<String> {
    let run = schemagen(dir, &["generate"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let files = files_under(generated);
    assert!(
        !files.iter().any(|f| f.contains(".schemagen-tmp-")),
        "{files:?}"
    );
    files
}

/// `generate --check` in `dir` finds nothing to change.
fn assert_up_to_date(dir: &Path) {
    assert!(schemagen(dir, &["generate", "--check"]).status.success());
}

#[test]
fn check_compares_contents_not_recorded_hashes() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(2)).unwrap();
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let generated = dir.path().join("generated");
    let file = generated.join("src/thing_0.rs");
    let original = fs::read_to_string(&file).unwrap();
    let edited = format!("{original}// edited\n");
    fs::write(&file, &edited).unwrap();
    // Make the manifest vouch for the edited text, as a forged or colliding
    // record would.
    let manifest = generated.join(".schemagen-files");
    let hash = format!("{:016x}", schemagen::naming::stable_hash(&edited));
    let text: String = fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .map(|line| match line.strip_prefix("src/thing_0.rs ") {
            Some(rest) => {
                let rendered = rest.split(' ').next().unwrap();
                format!("src/thing_0.rs {rendered} {hash}\n")
            }
            None => format!("{line}\n"),
        })
        .collect();
    fs::write(&manifest, text).unwrap();
    let check = schemagen(dir.path(), &["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    assert!(stderr(&check).contains("thing_0.rs"), "{}", stderr(&check));
}

#[test]
fn a_repair_rewrites_only_the_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("schema.yaml"), synthetic_schema(2)).unwrap();
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let generated = dir.path().join("generated");
    let file = generated.join("src/thing_1.rs");
    let original = fs::read_to_string(&file).unwrap();
    fs::write(&file, "// damaged\n").unwrap();
    let before = common::snapshot_dir(&generated);

    let run = schemagen(dir.path(), &["generate"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    let after = common::snapshot_dir(&generated);
    let changed: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(old, new)| old != new)
        .map(|(old, _)| old.0.to_string_lossy().into_owned())
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].ends_with("thing_1.rs"), "{changed:?}");
}

/// How many times the large run is killed; more with `SCHEMAGEN_KILL_POINTS`.
fn kill_points() -> usize {
    std::env::var("SCHEMAGEN_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

#[test]
fn a_run_killed_at_any_point_is_completed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let big = synthetic_schema(120);
    let small = synthetic_schema(60);
    let generated = dir.path().join("generated");
    let schema = dir.path().join("schema.yaml");
    // Time a whole run to spread the kills over it.
    fs::write(&schema, &big).unwrap();
    let start = std::time::Instant::now();
    assert!(schemagen(dir.path(), &["generate"]).status.success());
    let whole = start.elapsed();
    let points = kill_points();
    for point in 0..points {
        // Alternate schemas, so each run both writes and removes files.
        fs::write(&schema, if point % 2 == 0 { &small } else { &big }).unwrap();
        let mut child = Command::new(binary())
            .arg("generate")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = whole.mul_f64((point as f64 + 0.5) / points as f64);
        std::thread::sleep(delay.min(Duration::from_secs(20)));
        let _ = child.kill();
        let _ = child.wait();
    }
    let run = schemagen(dir.path(), &["generate"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let check = schemagen(dir.path(), &["generate", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let files = files_under(&generated);
    assert!(
        !files.iter().any(|f| f.contains(".schemagen-tmp-")),
        "{files:?}"
    );
    // Exactly what the last schema produces: no orphan of the other one.
    let expected = schemagen::generate_output(&schema).unwrap();
    let mut expected: Vec<String> = expected.files.keys().cloned().collect();
    expected.sort();
    assert_eq!(files, expected);
}

#[test]
fn two_runs_at_once_leave_one_consistent_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.yaml"), synthetic_schema(40)).unwrap();
    fs::write(dir.path().join("b.yaml"), synthetic_schema(20)).unwrap();
    let spawn = |schema: &str| {
        Command::new(binary())
            .args(["--schema", schema, "generate"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn("a.yaml");
    let second = spawn("b.yaml");
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    // Whichever ran last, the directory is wholly its output.
    let a = schemagen(dir.path(), &["--schema", "a.yaml", "generate", "--check"]);
    let b = schemagen(dir.path(), &["--schema", "b.yaml", "generate", "--check"]);
    assert!(
        a.status.success() != b.status.success(),
        "exactly one schema matches the directory"
    );
}
