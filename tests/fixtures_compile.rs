//! The crate generated for each fixture schema is built, linted and tested
//! on its own, so awkward names and every option are proven to give Rust
//! that compiles, passes `clippy -D warnings` with and without the
//! `postgres` feature, and whose generated tests pass against SQLite, and
//! against PostgreSQL when `PIPELINE_DB_TEST_POSTGRES_URL` names a server.
//! Builds share one target directory; dependencies come from the lock file
//! and the local registry cache.

mod common;

fn build_fixture(case: &str) {
    let root = common::root();
    let schema = root.join("tests/fixtures").join(case).join("schema.yaml");
    let output = schemagen::generate_output(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    schemagen::write::write_output(dir.path(), &output).unwrap();
    // Same dependency versions as the workspace, resolved without a network.
    std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    common::cargo(
        dir.path(),
        &[
            "clippy",
            "--offline",
            "--all-targets",
            "--all-features",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
        &[],
        "",
    );
    common::cargo(dir.path(), &["test", "--offline", "--quiet"], &[], "");
    if let Some(url) = common::postgres_url() {
        // The fixture crate reads the server from a variable named after it.
        let crate_name = schemagen::load_and_validate(&schema).unwrap().crate_name;
        let crate_ident = crate_name.replace('-', "_").to_ascii_uppercase();
        common::cargo(
            dir.path(),
            &["test", "--offline", "--quiet", "--features", "postgres"],
            &[(format!("{crate_ident}_TEST_POSTGRES_URL"), url)],
            "",
        );
    }
}

#[test]
fn minimal_fixture_compiles_and_passes_its_tests() {
    build_fixture("minimal");
}

#[test]
fn every_type_and_option_fixture_compiles_and_passes_its_tests() {
    build_fixture("every_type_and_option");
}

#[test]
fn awkward_names_fixture_compiles_and_passes_its_tests() {
    build_fixture("awkward_names");
}

#[test]
fn hostile_names_fixture_compiles_and_passes_its_tests() {
    build_fixture("hostile_names");
}
