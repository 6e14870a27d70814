//! Snapshots of every file the generator renders for each fixture under
//! `tests/fixtures/`. A change to a template shows up here as a reviewable
//! diff, file by file. The pipeline's own `generated/` is committed and
//! reviewed as it is (the freshness test keeps it current), so changing
//! `schema.yaml` never breaks these tests.

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

#[test]
fn hostile_names_fixture() {
    snapshot_fixture("hostile_names");
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

/// No snapshot outlives the file it showed (what `cargo insta test
/// --unreferenced=reject` checks, without needing cargo-insta).
#[test]
fn no_orphaned_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut expected = std::collections::BTreeSet::new();
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let case = path.file_name().unwrap().to_string_lossy().into_owned();
        cases.push((case, path.join("schema.yaml")));
    }
    for (case, schema) in cases {
        let schema = schemagen::load_and_validate(&schema).unwrap();
        let rendered = schemagen::render::render_schema(&schema);
        let manifest = schemagen::render::MANIFEST_FILE.to_owned();
        for path in rendered.files.keys().chain([&manifest]) {
            expected.insert(format!("{case}__{}.snap", path.replace('/', "__")));
        }
    }
    for entry in std::fs::read_dir(root.join("tests/snapshots")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            expected.contains(&name),
            "tests/snapshots/{name} belongs to no generated file; delete it"
        );
    }
}
