//! Migrations as a property: a random schema and a random edit of it, the
//! edit made of changes of every kind the diff knows. Migrating a database
//! made at the first schema must give exactly the catalog of a fresh
//! database at the second, on SQLite and PostgreSQL; and when the lint
//! finds nothing destructive, a database holding rows must migrate too,
//! keeping every row.
//!
//! `SCHEMAGEN_MIGRATION_CASES` sets the number of pairs (25 by default;
//! `.ci/run` sets more); `SCHEMAGEN_MIGRATION_SEED` replays a run.

mod common;

use common::{env_number, PgSchema, Rng};

use std::fmt::Write as _;
use std::path::Path;

use schemagen::catalog;
use schemagen::migrate::runner::{self, Target};
use schemagen::migrate::{history, Engine};

#[derive(Clone, Debug)]
struct FieldSpec {
    name: String,
    ty: String,
    nullable: bool,
    unique: bool,
    default: Option<String>,
    /// Index of the parent model, and its ON DELETE.
    reference: Option<(usize, &'static str)>,
    renamed_from: Option<String>,
}

#[derive(Clone, Debug)]
struct ModelSpec {
    name: String,
    table: String,
    fields: Vec<FieldSpec>,
    /// Index name and field positions (into `fields`, counting from 1).
    indexes: Vec<(String, Vec<String>, bool)>,
    checks: Vec<(String, String)>,
    renamed_from: Option<String>,
    alive: bool,
}

const TYPES: &[&str] = &[
    "int",
    "float",
    "string(20)",
    "string(80)",
    "string",
    "text",
    "bool",
    "datetime",
    "json",
    "enum",
];

fn default_for(ty: &str, rng: &mut Rng) -> Option<String> {
    if !rng.chance(30) {
        return None;
    }
    Some(
        match ty {
            "int" => "7",
            "float" => "2.5",
            "bool" => "true",
            "datetime" => "now",
            "enum" => "a",
            "json" => return None,
            _ => "\"x\"",
        }
        .to_owned(),
    )
}

fn random_field(rng: &mut Rng, name: String, parents: &[usize]) -> FieldSpec {
    let nullable = rng.chance(40);
    if !parents.is_empty() && rng.chance(25) {
        let parent = parents[rng.below(parents.len())];
        let action = match (nullable, rng.below(3)) {
            (true, 0) => "set_null",
            (_, 1) => "cascade",
            _ => "restrict",
        };
        return FieldSpec {
            name,
            ty: "int".into(),
            nullable,
            unique: false,
            default: None,
            reference: Some((parent, action)),
            renamed_from: None,
        };
    }
    let ty = TYPES[rng.below(TYPES.len())].to_owned();
    FieldSpec {
        default: default_for(&ty, rng),
        unique: !matches!(ty.as_str(), "bool" | "enum" | "json") && rng.chance(10),
        name,
        ty,
        nullable,
        reference: None,
        renamed_from: None,
    }
}

fn random_schema(rng: &mut Rng) -> Vec<ModelSpec> {
    let mut models: Vec<ModelSpec> = Vec::new();
    for m in 0..2 + rng.below(3) {
        let parents: Vec<usize> = (0..models.len()).collect();
        let fields = (0..1 + rng.below(4))
            .map(|f| random_field(rng, format!("f{m}_{f}"), &parents))
            .collect();
        models.push(ModelSpec {
            name: format!("M{m}"),
            table: format!("t{m}"),
            fields,
            indexes: Vec::new(),
            checks: Vec::new(),
            renamed_from: None,
            alive: true,
        });
    }
    models
}

/// One random change of the schema.
fn mutate(models: &mut Vec<ModelSpec>, rng: &mut Rng, serial: &mut usize) {
    *serial += 1;
    let live: Vec<usize> = (0..models.len()).filter(|&i| models[i].alive).collect();
    let m = live[rng.below(live.len())];
    let referenced = |models: &[ModelSpec], m: usize| {
        models.iter().any(|model| {
            model.alive
                && model
                    .fields
                    .iter()
                    .any(|f| f.reference.map(|r| r.0) == Some(m))
        })
    };
    match rng.below(14) {
        0 => {
            let parents: Vec<usize> = live.clone();
            let field = random_field(rng, format!("n{serial}"), &parents);
            models.push(ModelSpec {
                name: format!("N{serial}"),
                table: format!("new{serial}"),
                fields: vec![field],
                indexes: Vec::new(),
                checks: Vec::new(),
                renamed_from: None,
                alive: true,
            });
        }
        1 if live.len() > 1 && !referenced(models, m) => models[m].alive = false,
        2 => {
            let old = models[m].table.clone();
            models[m].table = format!("{old}_r{serial}");
            models[m].renamed_from = Some(old);
        }
        3 => {
            let parents: Vec<usize> = live.iter().copied().filter(|&p| p != m).collect();
            let field = random_field(rng, format!("a{serial}"), &parents);
            models[m].fields.push(field);
        }
        4 if models[m].fields.len() > 1 => {
            let f = rng.below(models[m].fields.len());
            let name = models[m].fields[f].name.clone();
            models[m].fields.remove(f);
            models[m]
                .indexes
                .retain(|(_, columns, _)| !columns.contains(&name));
            models[m].checks.retain(|(_, expr)| !expr.contains(&name));
        }
        5 if !models[m].fields.is_empty() => {
            let f = rng.below(models[m].fields.len());
            let old = models[m].fields[f].name.clone();
            let new = format!("{old}_r{serial}");
            for (_, columns, _) in &mut models[m].indexes {
                for column in columns.iter_mut().filter(|c| **c == old) {
                    *column = new.clone();
                }
            }
            for (_, expr) in &mut models[m].checks {
                *expr = expr.replace(&old, &new);
            }
            let field = &mut models[m].fields[f];
            field.name = new;
            field.renamed_from = Some(old);
        }
        6 if !models[m].fields.is_empty() => {
            let f = rng.below(models[m].fields.len());
            let name = models[m].fields[f].name.clone();
            let field = &mut models[m].fields[f];
            if field.reference.is_none() {
                field.ty = TYPES[rng.below(TYPES.len())].to_owned();
                field.default = default_for(&field.ty, rng);
                if matches!(field.ty.as_str(), "bool" | "enum" | "json") {
                    field.unique = false;
                }
                // Checks and indexes were written for the old type.
                models[m].checks.retain(|(_, expr)| !expr.contains(&name));
                if models[m].fields[f].ty == "json" {
                    models[m]
                        .indexes
                        .retain(|(_, columns, _)| !columns.contains(&name));
                }
            }
        }
        7 if !models[m].fields.is_empty() => {
            let f = rng.below(models[m].fields.len());
            let field = &mut models[m].fields[f];
            field.nullable = !field.nullable;
            if !field.nullable && field.reference.is_some_and(|r| r.1 == "set_null") {
                field.nullable = true;
            }
        }
        8 if !models[m].fields.is_empty() => {
            let f = rng.below(models[m].fields.len());
            let field = &mut models[m].fields[f];
            if field.reference.is_none() {
                field.default = default_for(&field.ty.clone(), rng);
            }
        }
        9 if !models[m].fields.is_empty() => {
            let f = rng.below(models[m].fields.len());
            let field = &mut models[m].fields[f];
            if !matches!(field.ty.as_str(), "bool" | "enum" | "json") {
                field.unique = !field.unique;
            }
        }
        10 => {
            let candidates: Vec<String> = models[m]
                .fields
                .iter()
                .filter(|f| f.ty != "json")
                .map(|f| f.name.clone())
                .collect();
            if !candidates.is_empty() {
                let column = candidates[rng.below(candidates.len())].clone();
                let unique = rng.chance(20);
                models[m]
                    .indexes
                    .push((format!("i{serial}"), vec![column], unique));
            }
        }
        11 if !models[m].indexes.is_empty() => {
            let i = rng.below(models[m].indexes.len());
            models[m].indexes.remove(i);
        }
        12 => {
            let ints: Vec<String> = models[m]
                .fields
                .iter()
                .filter(|f| f.ty == "int" && f.reference.is_none())
                .map(|f| f.name.clone())
                .collect();
            if let Some(column) = ints.first() {
                let expr = format!("{column} IS NULL OR {column} > -1000");
                models[m].checks.push((format!("c{serial}"), expr));
            } else if !models[m].checks.is_empty() {
                models[m].checks.pop();
            }
        }
        _ => {
            let enums: Vec<usize> = (0..models[m].fields.len())
                .filter(|&f| models[m].fields[f].ty == "enum")
                .collect();
            if let Some(&f) = enums.first() {
                let field = &mut models[m].fields[f];
                field.ty = if rng.chance(50) {
                    "enum3".into()
                } else {
                    "enum".into()
                };
            } else {
                for field in models[m].fields.iter_mut() {
                    if let Some((parent, _)) = field.reference {
                        let action = if field.nullable {
                            "set_null"
                        } else {
                            "no_action"
                        };
                        field.reference = Some((parent, action));
                    }
                }
            }
        }
    }
}

fn yaml(models: &[ModelSpec]) -> String {
    let mut text = String::from("crate: property-db\nmodels:\n");
    for model in models.iter().filter(|m| m.alive) {
        let _ = writeln!(text, "  {}:\n    table: {}", model.name, model.table);
        if let Some(old) = &model.renamed_from {
            let _ = writeln!(text, "    renamed_from: {old}");
        }
        text.push_str(
            "    fields:\n      id: { type: int, primary_key: true, autoincrement: true }\n",
        );
        for field in &model.fields {
            let mut spec = Vec::new();
            match field.reference {
                Some((parent, action)) => {
                    spec.push("type: int".to_owned());
                    spec.push(format!("references: {}.id", models[parent].table));
                    spec.push(format!("on_delete: {action}"));
                }
                None if field.ty.starts_with("enum") => {
                    spec.push("type: enum".to_owned());
                    let values = if field.ty == "enum3" {
                        "[a, b, c]"
                    } else {
                        "[a, b]"
                    };
                    spec.push(format!("values: {values}"));
                }
                None => spec.push(format!("type: {}", field.ty)),
            }
            if field.nullable {
                spec.push("nullable: true".into());
            }
            if field.unique {
                spec.push("unique: true".into());
            }
            if let Some(default) = &field.default {
                spec.push(format!("default: {default}"));
            }
            if let Some(old) = &field.renamed_from {
                spec.push(format!("renamed_from: {old}"));
            }
            let _ = writeln!(text, "      {}: {{ {} }}", field.name, spec.join(", "));
        }
        if !model.indexes.is_empty() {
            text.push_str("    indexes:\n");
            for (name, columns, unique) in &model.indexes {
                let _ = writeln!(
                    text,
                    "      - {{ name: {name}, columns: [{}], unique: {unique} }}",
                    columns.join(", ")
                );
            }
        }
        if !model.checks.is_empty() {
            text.push_str("    checks:\n");
            for (name, expr) in &model.checks {
                let _ = writeln!(text, "      - {{ name: {name}, expr: \"{expr}\" }}");
            }
        }
    }
    text
}

/// The pair after `renamed_from` is dropped from the first schema (it
/// describes an earlier rename).
fn forget_renames(models: &mut [ModelSpec]) {
    for model in models.iter_mut() {
        model.renamed_from = None;
        for field in &mut model.fields {
            field.renamed_from = None;
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn migrating_random_schema_pairs_gives_the_fresh_catalog() {
    let cases = env_number("SCHEMAGEN_MIGRATION_CASES", 25);
    let seed = common::seed("SCHEMAGEN_MIGRATION_SEED");
    let postgres = common::postgres_url();
    let mut rng = Rng(seed);
    let mut checked = 0;
    for case in 0..cases {
        let mut first = random_schema(&mut rng);
        let mut second = first.clone();
        let mut serial = 0;
        for _ in 0..1 + rng.below(4) {
            mutate(&mut second, &mut rng, &mut serial);
        }
        forget_renames(&mut first);
        let dir = tempfile::tempdir().unwrap();
        let (a_text, b_text) = (yaml(&first), yaml(&second));
        let a = write(dir.path(), "a.yaml", &a_text);
        let b = write(dir.path(), "b.yaml", &b_text);
        let valid = |path: &Path| schemagen::load_and_validate(path).is_ok();
        if !valid(&a) || !valid(&b) {
            // An edit the validator refuses (a unique json, say) is fine.
            continue;
        }
        checked += 1;
        let context = format!("case {case}, seed {seed}\n--- from:\n{a_text}--- to:\n{b_text}");
        let migrations = dir.path().join("migrations");
        let schema = dir.path().join("schema.yaml");
        std::fs::copy(&a, &schema).unwrap();
        schemagen::migrate_new(&schema, &migrations, "a", true).unwrap();
        std::fs::copy(&b, &schema).unwrap();
        match schemagen::migrate_new(&schema, &migrations, "b", true) {
            Ok(_) => {}
            Err(error) => panic!("{error}\n{context}"),
        }
        let list = history::read_migrations(&migrations).unwrap();
        let fresh_dir = dir.path().join("fresh");
        std::fs::create_dir(&fresh_dir).unwrap();
        std::fs::copy(&b, fresh_dir.join("schema.yaml")).unwrap();
        schemagen::migrate_new(
            &fresh_dir.join("schema.yaml"),
            &fresh_dir.join("migrations"),
            "b",
            true,
        )
        .unwrap();
        let fresh_list = history::read_migrations(&fresh_dir.join("migrations")).unwrap();

        // SQLite, empty: every change applies.
        let migrated_db = dir.path().join("migrated.sqlite");
        let fresh_db = dir.path().join("fresh.sqlite");
        if let Err(error) = runner::apply(&Target::Sqlite(migrated_db.clone()), &list) {
            panic!(
                "SQLite: {error}\n{context}\n{}",
                list[1].sql(Engine::Sqlite).unwrap()
            );
        }
        runner::apply(&Target::Sqlite(fresh_db.clone()), &fresh_list).unwrap();
        let read = |path: &Path| {
            catalog::sqlite::read(&rusqlite::Connection::open(path).unwrap()).unwrap()
        };
        let drift = read(&migrated_db).drift_from(&read(&fresh_db));
        assert!(
            drift.is_empty(),
            "SQLite catalog differs:\n{}\n{context}\n{}",
            drift.lines().join("\n"),
            list[1].sql(Engine::Sqlite).unwrap()
        );

        if let Some(url) = &postgres {
            let mut migrated = PgSchema::new(url, "prop_migrated");
            let mut fresh = PgSchema::new(url, "prop_fresh");
            if let Err(error) = runner::apply(&migrated.target(), &list) {
                panic!(
                    "PostgreSQL: {error}\n{context}\n{}",
                    list[1].sql(Engine::Postgres).unwrap()
                );
            }
            runner::apply(&fresh.target(), &fresh_list).unwrap();
            let drift = migrated.catalog().drift_from(&fresh.catalog());
            assert!(
                drift.is_empty(),
                "PostgreSQL catalog differs:\n{}\n{context}\n{}",
                drift.lines().join("\n"),
                list[1].sql(Engine::Postgres).unwrap()
            );
        }
    }
    assert!(
        checked * 2 >= cases,
        "only {checked} of {cases} pairs were valid"
    );
}
