//! `generated/` must be exactly what `schema.yaml` generates, so plain
//! `cargo test` catches a schema or template change that was not followed
//! by `cargo run -- generate` (CI also runs `generate --check`).

use schemagen::write::{describe_plan, plan_output};

#[test]
fn generated_crate_is_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = schemagen::generate_output(&root.join("schema.yaml")).unwrap();
    let generated = root.join("generated");
    let plan = plan_output(&generated, &output).unwrap();
    assert!(
        plan.is_empty(),
        "generated/ is stale; run `cargo run -- generate`:\n{}",
        describe_plan(&generated, &output, &plan, 80)
    );
}

/// Every change of schema.yaml comes with its migration.
#[test]
fn migrations_cover_the_schema() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = root.join("schema.yaml");
    if let Err(error) = schemagen::check_migrations_cover(&schema, &root.join("migrations")) {
        panic!("{error}");
    }
}

#[test]
fn output_is_identical_across_runs() {
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.yaml");
    let first = schemagen::generate_output(&schema).unwrap();
    let second = schemagen::generate_output(&schema).unwrap();
    assert_eq!(first, second);
    for (path, text) in &first.files {
        assert!(!text.contains('\r'), "{path} has a CR");
        assert!(
            text.ends_with('\n') && !text.ends_with("\n\n"),
            "{path} must end in one newline"
        );
        assert!(
            text.contains("@generated"),
            "{path} lacks the @generated header"
        );
        assert!(
            !text.contains(env!("CARGO_MANIFEST_DIR")),
            "{path} names an absolute path"
        );
    }
}

#[test]
fn json_schema_for_editors_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema.json");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == schemagen::load::render_json_schema(),
        "docs/schema.json is stale; run `cargo run -- json-schema > docs/schema.json`"
    );
}
