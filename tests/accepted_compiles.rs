//! Accepted means correct, as a property: random schemas whose names are
//! drawn from what could shadow or collide with generated Rust (keywords,
//! prelude and std names, the generated crate's own items and locals, its
//! dependencies' names) either fail `validate`, or give a crate that passes
//! `clippy -D warnings` with every feature and whose own tests pass on
//! SQLite (and on PostgreSQL when the tests have a server).
//!
//! Each case compiles a crate, so the number of cases is small by default;
//! `SCHEMAGEN_COMPILE_CASES` raises it (`.ci/run` sets it) and
//! `SCHEMAGEN_COMPILE_SEED` replays a run whose seed a failure printed.

mod common;

use common::{camel, cargo, Rng};

use std::path::Path;

/// Names that could shadow or collide with something in generated code.
const HOSTILE_WORDS: &[&str] = &[
    // Keywords, strict and reserved.
    "as",
    "async",
    "await",
    "box",
    "break",
    "const",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "priv",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "try",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "yield",
    // Prelude and std.
    "option",
    "some",
    "none",
    "result",
    "ok",
    "err",
    "vec",
    "string",
    "box",
    "clone",
    "copy",
    "default",
    "drop",
    "eq",
    "from",
    "into",
    "iterator",
    "send",
    "sized",
    "sync",
    "std",
    "core",
    "alloc",
    "fmt",
    "io",
    "str",
    "i64",
    "f64",
    "bool",
    "u8",
    "char",
    "usize",
    "path",
    "duration",
    "as_ref",
    "fn_once",
    "send",
    "sync",
    "to_string",
    "partial_eq",
    "display",
    "debug",
    "hash",
    "ord",
    // The generated crate's items, parameters and locals.
    "conn",
    "client",
    "row",
    "rows",
    "new",
    "statement",
    "transaction",
    "changed",
    "insert",
    "get",
    "list",
    "update",
    "delete",
    "upsert",
    "from_row",
    "params",
    "connection",
    "open",
    "init_db",
    "codec",
    "timestamp",
    "json",
    "checked",
    "value",
    "values",
    "n",
    "error",
    "inserted",
    "first",
    "other",
    "parent",
    "before",
    "after",
    "db",
    "api",
    "seeds",
    "common",
    "unknown_variant",
    "invalid_value",
    "storable",
    "all_or_nothing",
    "schema_sql",
    "read_row",
    "read_column",
    "sql_text",
    "sqlite_write",
    "sqlite_delete",
    "error_kind",
    "constraint_kind",
    "violation",
    "unreadable_value",
    "migrate_error",
    "patch",
    "expected",
    "drop_check",
    "id",
    "key",
    "table",
    "index",
    "name",
    "sql",
    "count",
    "result",
    "text",
    "at",
    "unique",
    "test",
    // Dependencies and their items.
    "rusqlite",
    "postgres",
    "chrono",
    "serde_json",
    "bytes",
    "utc",
    "date_time",
    "to_sql",
    "from_sql",
    "is_null",
    "bytes_mut",
    "generic_client",
    "no_tls",
    "optional_extension",
    "value_ref",
];

const DOCS: &[&str] = &[
    "A plain sentence.",
    "```rust\npanic!(\"a doc is text\");\n```",
    "    indented like code\n    panic!()",
    "Uses `backticks`, <b>html</b>, [links] and */ comment ends.",
    "Line one.\n\nLine three, after a blank line.",
];

/// A word not yet in `taken`, from the pool or, past a few tries, made
/// fresh, so that names repeat only where the schema means them to.
fn fresh(rng: &mut Rng, taken: &mut Vec<String>) -> String {
    for attempt in 0.. {
        let word = if attempt < 8 {
            rng.pick(HOSTILE_WORDS).to_owned()
        } else {
            format!("{}_{attempt}", rng.pick(HOSTILE_WORDS))
        };
        if !taken.contains(&word) {
            taken.push(word.clone());
            return word;
        }
    }
    unreachable!()
}

struct Key {
    table: String,
    column: String,
    ty: &'static str,
}

fn field_type(rng: &mut Rng) -> &'static str {
    rng.pick(&[
        "int",
        "float",
        "string(40)",
        "string",
        "text",
        "bool",
        "datetime",
        "json",
        "enum",
    ])
}

fn default_for(rng: &mut Rng, ty: &str, values: &[String]) -> Option<String> {
    if !rng.chance(30) {
        return None;
    }
    Some(match ty {
        "int" => "-5".to_owned(),
        "float" => "1.5".to_owned(),
        "bool" => "true".to_owned(),
        "string(40)" | "string" | "text" => "\"it's\"".to_owned(),
        "datetime" => "now".to_owned(),
        "enum" => values[0].clone(),
        _ => return None,
    })
}

/// An `example:` of the type, sometimes: one that passes the checks
/// `check_for` may give the column (`> 100`, `LIKE '%@%'`), and sometimes
/// `null` on a nullable column.
fn example_for(rng: &mut Rng, ty: &str, values: &[String], nullable: bool) -> Option<String> {
    if !rng.chance(35) {
        return None;
    }
    if nullable && rng.chance(15) {
        return Some("null".to_owned());
    }
    Some(match ty {
        "int" => "500".to_owned(),
        "float" => "2.5".to_owned(),
        "bool" => "false".to_owned(),
        "string(40)" | "string" | "text" => rng.pick(&["\"u{n}@x.io\"", "\"a@b.c\""]).to_owned(),
        "datetime" => "\"2026-05-01T08:30:00Z\"".to_owned(),
        "json" => "{ k: [1, \"it's\"] }".to_owned(),
        "enum" => values[values.len() - 1].clone(),
        _ => return None,
    })
}

/// A check on one column of the type: a lenient one, or one the made-up
/// test values break unless the column has an example.
fn check_for(rng: &mut Rng, column: &str, ty: &str) -> Option<String> {
    Some(match ty {
        "int" => rng
            .pick(&["{c} >= -5 OR {c} IS NULL", "{c} > 100"])
            .replace("{c}", column),
        "string(40)" | "string" | "text" => format!("{column} LIKE '%@%'"),
        _ => return None,
    })
}

/// One random schema as YAML.
fn schema_yaml(rng: &mut Rng) -> String {
    let mut yaml = String::from("crate: hostile-db\nmodels:\n");
    let mut model_names = Vec::new();
    let mut tables = Vec::new();
    let mut keys: Vec<Key> = Vec::new();
    let mut sql_names = Vec::new();
    for _ in 0..2 + rng.below(4) {
        let model = camel(&fresh(rng, &mut model_names));
        let table = fresh(rng, &mut tables);
        yaml.push_str(&format!("  {model}:\n    table: {table}\n"));
        if rng.chance(40) {
            yaml.push_str(&format!("    doc: {:?}\n", rng.pick(DOCS)));
        }
        yaml.push_str("    fields:\n");
        let mut fields = Vec::new();
        let autoincrement = rng.chance(60);
        let key = if autoincrement {
            let name = fresh(rng, &mut fields);
            yaml.push_str(&format!(
                "      {name}: {{ type: int, primary_key: true, autoincrement: true }}\n"
            ));
            Key {
                table: table.clone(),
                column: name,
                ty: "int",
            }
        } else {
            let name = fresh(rng, &mut fields);
            let ty = rng.pick(&["int", "string(40)", "text"]);
            let ty: &'static str = match ty {
                "int" => "int",
                "text" => "text",
                _ => "string(40)",
            };
            yaml.push_str(&format!(
                "      {name}: {{ type: {ty}, primary_key: true }}\n"
            ));
            Key {
                table: table.clone(),
                column: name,
                ty,
            }
        };
        let mut plain = Vec::new();
        // A table of its generated key alone (each insert stores the
        // defaults) is accepted too.
        let plain_fields = if autoincrement && rng.chance(20) {
            0
        } else {
            1 + rng.below(6)
        };
        for _ in 0..plain_fields {
            let name = fresh(rng, &mut fields);
            let nullable = rng.chance(40);
            let mut spec = Vec::new();
            if !keys.is_empty() && rng.chance(30) {
                let parent = &keys[rng.below(keys.len())];
                let action = if nullable {
                    rng.pick(&["cascade", "set_null", "restrict", "no_action"])
                } else {
                    rng.pick(&["cascade", "restrict", "no_action"])
                };
                spec.push(format!("type: {}", parent.ty));
                spec.push(format!("references: {}.{}", parent.table, parent.column));
                spec.push(format!("on_delete: {action}"));
                if rng.chance(30) {
                    spec.push(format!("relation: {}", fresh(rng, &mut fields)));
                }
            } else {
                let ty = field_type(rng);
                spec.push(format!("type: {ty}"));
                let mut values = Vec::new();
                if ty == "enum" {
                    for _ in 0..1 + rng.below(3) {
                        fresh(rng, &mut values);
                    }
                    spec.push(format!("values: [{}]", values.join(", ")));
                }
                if let Some(default) = default_for(rng, ty, &values) {
                    spec.push(format!("default: {default}"));
                }
                if let Some(example) = example_for(rng, ty, &values, nullable) {
                    spec.push(format!("example: {example}"));
                }
                if ty != "json" && rng.chance(15) {
                    spec.push("unique: true".to_owned());
                }
                if matches!(ty, "int" | "string(40)" | "text" | "datetime") {
                    plain.push((name.clone(), ty));
                }
            }
            if nullable {
                spec.push("nullable: true".to_owned());
            }
            if rng.chance(20) {
                spec.push(format!("doc: {:?}", rng.pick(DOCS)));
            }
            yaml.push_str(&format!("      {name}: {{ {} }}\n", spec.join(", ")));
        }
        if !plain.is_empty() && rng.chance(60) {
            yaml.push_str("    indexes:\n");
            let (column, _) = &plain[rng.below(plain.len())];
            let name = fresh(rng, &mut sql_names);
            let order = rng.pick(&["asc", "desc"]);
            let unique = rng.chance(20);
            yaml.push_str(&format!(
                "      - {{ name: {name}, columns: [{column}], order: {order}, unique: {unique} }}\n"
            ));
        }
        let mut checks = Vec::new();
        for (column, ty) in &plain {
            if rng.chance(30) {
                if let Some(expr) = check_for(rng, column, ty) {
                    let name = fresh(rng, &mut sql_names);
                    checks.push(format!("      - {{ name: {name}, expr: \"{expr}\" }}\n"));
                }
            }
        }
        if !checks.is_empty() {
            yaml.push_str("    checks:\n");
            yaml.push_str(&checks.concat());
        }
        keys.push(key);
    }
    yaml
}

/// Builds, lints and tests the crate of an accepted schema.
fn assert_crate_works(schema_path: &Path, schema: &str) {
    let output = schemagen::generate_output(schema_path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    schemagen::write::write_output(dir.path(), &output).unwrap();
    std::fs::copy(
        common::root().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    let lint = [
        "clippy",
        "--offline",
        "--all-targets",
        "--all-features",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ];
    let context = format!(" for this accepted schema:\n{schema}");
    cargo(dir.path(), &lint, &[], &context);
    cargo(dir.path(), &["test", "--offline", "--quiet"], &[], &context);
    if let Some(url) = common::postgres_url() {
        let variable = "HOSTILE_DB_TEST_POSTGRES_URL".to_owned();
        let args = ["test", "--offline", "--quiet", "--features", "postgres"];
        cargo(dir.path(), &args, &[(variable, url)], &context);
    }
}

#[test]
fn every_accepted_schema_with_hostile_names_gives_a_crate_that_works() {
    let cases = common::env_number("SCHEMAGEN_COMPILE_CASES", 1);
    let mut rng = Rng(common::seed("SCHEMAGEN_COMPILE_SEED"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.yaml");
    for case in 0..cases {
        let mut rejected = 0;
        // Hostile names are often refused, rightly; draw until one schema
        // is accepted, so every case compiles something.
        let schema = loop {
            let schema = schema_yaml(&mut rng);
            std::fs::write(&path, &schema).unwrap();
            if schemagen::load_and_validate(&path).is_ok() {
                break schema;
            }
            rejected += 1;
            assert!(
                rejected < 200,
                "200 schemas in a row were refused; the generator is off"
            );
        };
        eprintln!("case {case}: accepted after {rejected} refused schemas");
        assert_crate_works(&path, &schema);
    }
}
