//! Property tests: the loader and validator get arbitrary text, mutated
//! copies of the pipeline schema, and random structured schemas; none may
//! panic, and each must end in a resolved schema (which then renders) or in
//! errors. CI runs proptest's default 256 cases a property; set
//! `PROPTEST_CASES` for a longer run (docs/fuzzing.md).

use std::path::Path;

use proptest::prelude::*;
use schemagen::load::load_schema_str;
use schemagen::validate::validate_schema;

/// Runs load, validate and (when valid) render; panics only on a bug.
fn exercise(text: String) {
    let Ok(source) = load_schema_str(Path::new("fuzz.yaml"), text) else {
        return;
    };
    match validate_schema(&source.def, "fuzz.yaml") {
        Ok(schema) => {
            let output = schemagen::render::render_schema(&schema);
            assert!(output
                .get("schema.sql")
                .is_some_and(|sql| sql.contains("CREATE TABLE")));
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            // Every error must be locatable and printable.
            for report in schemagen::diagnostic::schema_reports(&source, &errors) {
                let _ = report.render(false);
                let _ = report.to_json();
            }
        }
    }
}

const PIPELINE: &str = include_str!("../schema.yaml");

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,12}",
        Just("type".to_owned()),
        Just("self".to_owned()),
        Just("key".to_owned()),
        Just("UserId".to_owned()),
        Just("a b".to_owned()),
        Just("x'; --".to_owned()),
        Just("é".to_owned()),
    ]
}

fn field_yaml(tables: Vec<String>) -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        Just("int"),
        Just("float"),
        Just("string(10)"),
        Just("string(0)"),
        Just("text"),
        Just("bool"),
        Just("datetime"),
        Just("json"),
        Just("enum"),
        Just("strng"),
    ];
    let default = prop_oneof![
        Just(""),
        Just(", default: 0"),
        Just(", default: now"),
        Just(", default: a"),
        Just(", default: true"),
        Just(", default: \"x'\""),
        Just(", default: ~"),
    ];
    let reference = prop_oneof![
        Just(String::new()),
        proptest::sample::select(tables).prop_map(|t| format!(", references: {t}.id")),
        Just(", references: nowhere.id".to_owned()),
    ];
    let on_delete = prop_oneof![
        Just(""),
        Just(", on_delete: cascade"),
        Just(", on_delete: set_null"),
        Just(", on_delete: oops")
    ];
    (ty, any::<bool>(), any::<bool>(), default, reference, on_delete, any::<bool>()).prop_map(
        |(ty, nullable, unique, default, reference, on_delete, values)| {
            format!(
                "{{ type: {ty}, nullable: {nullable}, unique: {unique}{default}{reference}{on_delete}{} }}",
                if values { ", values: [a, b, c]" } else { "" }
            )
        },
    )
}

fn schema_yaml() -> impl Strategy<Value = String> {
    proptest::collection::vec(name(), 1..5).prop_flat_map(|tables| {
        let models = tables
            .iter()
            .map(|table| {
                let fields = proptest::collection::vec((name(), field_yaml(tables.clone())), 0..6);
                (
                    Just(table.clone()),
                    fields,
                    any::<bool>(),
                    proptest::collection::vec(name(), 0..3),
                )
            })
            .collect::<Vec<_>>();
        models.prop_map(|models| {
            let mut text = String::from("crate: fuzz-db\nmodels:\n");
            for (i, (table, fields, with_key, index_columns)) in models.into_iter().enumerate() {
                text.push_str(&format!("  M{i}:\n    table: {table:?}\n    fields:\n"));
                if with_key {
                    text.push_str(
                        "      id: { type: int, primary_key: true, autoincrement: true }\n",
                    );
                }
                for (field, spec) in fields {
                    text.push_str(&format!("      {field:?}: {spec}\n"));
                }
                text.push_str(&format!(
                    "    indexes:\n      - {{ name: idx_{i}, columns: {index_columns:?} }}\n"
                ));
            }
            text
        })
    })
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        exercise(text);
    }

    #[test]
    fn mutated_pipeline_schema_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[ -~\n]{0,3}"), 1..6)
    ) {
        let mut text = PIPELINE.to_owned();
        for (at, kind, insert) in edits {
            let mut offset = at.index(text.len().max(1));
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            match kind {
                0 => text.insert_str(offset, &insert),
                1 => {
                    let mut end = (offset + 1 + insert.len()).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(offset..end, "");
                }
                _ => {
                    // Swap the line at `offset` with the next one.
                    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                    if let Some(len) = text[start..].find('\n') {
                        let line = text[start..start + len + 1].to_owned();
                        text.replace_range(start..start + len + 1, "");
                        let next = text[start..].find('\n').map_or(text.len(), |i| start + i + 1);
                        text.insert_str(next, &line);
                    }
                }
            }
        }
        exercise(text);
    }

    #[test]
    fn random_structured_schemas_never_panic(text in schema_yaml()) {
        exercise(text);
    }
}

#[test]
fn a_schema_of_several_megabytes_is_read_and_checked() {
    let mut text = String::from("crate: big-db\nmodels:\n");
    for i in 0..4_000 {
        text.push_str(&format!(
            "  Model{i}:\n    table: table_{i}\n    doc: {}\n    fields:\n      id: {{ type: int, primary_key: true, autoincrement: true }}\n      name: string(100)\n      parent_id: {{ type: int, nullable: true, references: table_{}.id, on_delete: set_null }}\n",
            "x".repeat(600),
            i.max(1) - 1
        ));
    }
    // One mistake at the very end.
    text.push_str("  Last:\n    table: last\n    fields:\n      id: { type: int, primary_key: true }\n      x: { type: int, references: tabel_3999.id }\n");
    assert!(text.len() > 3_000_000, "{} bytes", text.len());
    let source = load_schema_str(Path::new("big.yaml"), text).unwrap();
    let errors = validate_schema(&source.def, "big.yaml").unwrap_err();
    let reports = schemagen::diagnostic::schema_reports(&source, &errors);
    let codes: Vec<&str> = reports.iter().map(|r| r.code).collect();
    // Model0 points at itself (nullable, allowed); only the typo is wrong.
    assert_eq!(codes, ["unknown-table"]);
    assert!(
        reports[0].message.contains("did you mean `table_3999`?"),
        "{}",
        reports[0].message
    );
    assert_eq!(reports[0].span.unwrap().line, 4_000 * 7 + 7);
}
