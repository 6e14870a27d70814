//! Snapshots of every file the generator renders, for the pipeline's
//! `schema.yaml` and for each fixture under `tests/fixtures/`. A change to a
//! template shows up here as a reviewable diff, file by file.

use std::path::Path;

fn snapshot_schema(case: &str, schema: &Path) {
    let output = schemagen::generate_output(schema)
        .unwrap_or_else(|error| panic!("{} should generate: {error}", schema.display()));
    for (path, text) in &output.files {
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            description => format!("{case}: generated/{path}"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{case}__{}", path.replace('/', "__")), text);
        });
    }
}

#[test]
fn pipeline_schema() {
    snapshot_schema(
        "pipeline",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.yaml"),
    );
}

fn snapshot_fixture(case: &str) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    snapshot_schema(case, &fixtures.join(case).join("schema.yaml"));
}

#[test]
fn minimal_fixture() {
    snapshot_fixture("minimal");
}

#[test]
fn every_type_and_option_fixture() {
    snapshot_fixture("every_type_and_option");
}

#[test]
fn awkward_names_fixture() {
    snapshot_fixture("awkward_names");
}

/// Every fixture folder has a test above, so none goes unsnapshotted.
#[test]
fn every_fixture_is_snapshotted() {
    let source = include_str!("snapshots.rs");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let case = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            source.contains(&format!("snapshot_fixture(\"{case}\")")),
            "tests/fixtures/{case} has no snapshot test"
        );
    }
}
