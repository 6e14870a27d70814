//! rustfmt as a test oracle: `generate` runs no formatter, so the templates
//! and `render/layout.rs` must print rustfmt's layout themselves, for any
//! schema. Random schemas (names from one character to the 63 PostgreSQL
//! allows, crate names as long, one to many fields, every type and option,
//! one or several migrations) are rendered, and `rustfmt --check` must find
//! nothing to change in any Rust file.
//!
//! `SCHEMAGEN_RUSTFMT_CASES` sets the number of schemas (`.ci/run` raises
//! it); `SCHEMAGEN_RUSTFMT_SEED` replays a run whose seed a failure printed.

mod common;

use std::process::Command;

use common::{camel, Rng};

const TYPES: &[&str] = &[
    "int",
    "float",
    "string(40)",
    "string",
    "text",
    "bool",
    "datetime",
    "json",
    "enum",
];

const DOCS: &[&str] = &[
    "A field.",
    "Line one.\n\nLine three, after a blank line.",
    "```rust\nlet x = 1;\n```",
    "    indented like code",
    "A long line of documentation that goes on and on past the width of a line of code, as docs do.",
];

/// A snake_case name of 1 to 63 characters, long ones often: line length
/// is what the layout depends on.
fn name(rng: &mut Rng, taken: &mut Vec<String>) -> String {
    loop {
        // Keywords become raw identifiers, which sort and lay out apart.
        if rng.chance(5) {
            let word = rng.pick(&["type", "match", "as", "struct", "async", "r"]);
            if !taken.iter().any(|t| t == word) {
                taken.push(word.to_owned());
                return word.to_owned();
            }
        }
        let length = match rng.below(4) {
            0 => 1 + rng.below(6),
            1 => 6 + rng.below(20),
            2 => 25 + rng.below(39),
            _ => 55 + rng.below(9),
        };
        let mut word = String::new();
        while word.len() < length {
            if !word.is_empty() && word.len() + 1 < length && rng.chance(15) {
                word.push('_');
            } else {
                word.push((b'a' + rng.below(26) as u8) as char);
            }
        }
        if !taken.contains(&word) {
            taken.push(word.clone());
            return word;
        }
    }
}

fn schema_yaml(rng: &mut Rng) -> String {
    // The crate's name reaches every path to its types in the tests.
    let krate = if rng.chance(50) {
        "layout-db".to_owned()
    } else {
        let mut taken = Vec::new();
        format!("c{}", name(rng, &mut taken).replace('_', "-"))
    };
    let mut yaml = format!("crate: {krate}\nmodels:\n");
    let mut tables = Vec::new();
    let mut sql_names = Vec::new();
    let mut keys: Vec<(String, String, &str)> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let table = name(rng, &mut tables);
        let model: String = camel(&table).chars().take(60).collect();
        yaml.push_str(&format!("  M{model}:\n    table: {table}\n"));
        if rng.chance(30) {
            yaml.push_str(&format!("    doc: {:?}\n", rng.pick(DOCS)));
        }
        yaml.push_str("    fields:\n");
        let mut fields = Vec::new();
        let key = name(rng, &mut fields);
        let key_type = if rng.chance(70) {
            yaml.push_str(&format!(
                "      {key}: {{ type: int, primary_key: true, autoincrement: true }}\n"
            ));
            "int"
        } else {
            let ty = rng.pick(&["int", "string(40)", "text"]);
            yaml.push_str(&format!(
                "      {key}: {{ type: {ty}, primary_key: true }}\n"
            ));
            ty
        };
        let mut plain = Vec::new();
        for _ in 0..rng.below(12) {
            let mut field = name(rng, &mut fields);
            let nullable = rng.chance(40);
            let mut spec = Vec::new();
            if !keys.is_empty() && rng.chance(25) {
                // Its relation's name adds `_row`, which must stay within
                // the 63 characters PostgreSQL keeps.
                field.truncate(55);
                let (parent_table, parent_key, parent_type) = &keys[rng.below(keys.len())];
                spec.push(format!("type: {parent_type}"));
                spec.push(format!("references: {parent_table}.{parent_key}"));
                let action = if nullable {
                    rng.pick(&["cascade", "set_null", "restrict"])
                } else {
                    rng.pick(&["cascade", "restrict"])
                };
                spec.push(format!("on_delete: {action}"));
            } else {
                let ty = rng.pick(TYPES);
                spec.push(format!("type: {ty}"));
                if ty == "enum" {
                    let mut values = Vec::new();
                    for _ in 0..1 + rng.below(4) {
                        name(rng, &mut values);
                    }
                    spec.push(format!("values: [{}]", values.join(", ")));
                    if rng.chance(30) {
                        spec.push(format!("default: {}", values[0]));
                    }
                } else if rng.chance(25) {
                    let default = match ty {
                        "int" => "7",
                        "float" => "1.5",
                        "bool" => "true",
                        "datetime" => "now",
                        "json" => "",
                        _ => "\"x\"",
                    };
                    if !default.is_empty() {
                        spec.push(format!("default: {default}"));
                    }
                }
                // A unique enum or bool is refused: too few values.
                if !matches!(ty, "json" | "bool" | "enum") && rng.chance(15) {
                    spec.push("unique: true".to_owned());
                }
                if matches!(ty, "int" | "string(40)" | "text" | "datetime") {
                    plain.push(field.clone());
                }
            }
            if nullable {
                spec.push("nullable: true".to_owned());
            }
            if rng.chance(15) {
                spec.push(format!("doc: {:?}", rng.pick(DOCS)));
            }
            yaml.push_str(&format!("      {field}: {{ {} }}\n", spec.join(", ")));
        }
        if !plain.is_empty() && rng.chance(50) {
            let column = &plain[rng.below(plain.len())];
            let index = name(rng, &mut sql_names);
            yaml.push_str(&format!(
                "    indexes:\n      - {{ name: {index}, columns: [{column}] }}\n"
            ));
        }
        keys.push((table, key, key_type));
    }
    yaml
}

#[test]
fn every_rust_file_is_what_rustfmt_prints() {
    let cases = common::env_number("SCHEMAGEN_RUSTFMT_CASES", 20);
    let seed = common::seed("SCHEMAGEN_RUSTFMT_SEED");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let schema_path = dir.path().join("schema.yaml");
    let mut checked = 0;
    for _ in 0..cases {
        let yaml = schema_yaml(&mut rng);
        std::fs::write(&schema_path, &yaml).unwrap();
        let Ok(schema) = schemagen::load_and_validate(&schema_path) else {
            // A random schema may be refused (a check of names, say);
            // what is refused renders nothing.
            continue;
        };
        // Several migrations change how their catalog is laid out.
        let mut migrations = vec![schemagen::migrate::baseline(&schema)];
        for version in 2..2 + rng.below(3) as u32 {
            let mut taken = Vec::new();
            let id = format!("{version:04}_{}", name(&mut rng, &mut taken));
            migrations.push(schemagen::migrate::MigrationText {
                version,
                id,
                sqlite: String::new(),
                postgres: String::new(),
            });
        }
        let output = schemagen::render::render_schema_with(&schema, migrations);
        let out = dir.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        let mut files = Vec::new();
        for (path, text) in &output.files {
            if path.ends_with(".rs") {
                let target = out.join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, text).unwrap();
                files.push(target);
            }
        }
        let result = Command::new("rustfmt")
            .args(["--edition", "2021", "--check"])
            .args(&files)
            .output()
            .expect("rustfmt runs");
        assert!(
            result.status.success(),
            "rustfmt would change what the templates printed (seed {seed}; \
             SCHEMAGEN_RUSTFMT_SEED={seed} replays it) for this schema:\n{yaml}\n{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        checked += 1;
    }
    assert!(
        checked * 10 >= cases as usize * 9,
        "nearly every random schema should be valid ({checked} of {cases})"
    );
}
