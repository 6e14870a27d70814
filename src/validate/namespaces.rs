//! Part of stage 2: the names each engine keeps in one namespace, including
//! every name the generator derives, so that no two objects of the DDL can
//! claim one name. Takes the models of pass 1, gives `NameTaken` problems.
//!
//! The engines' rules, as the DDL meets them:
//! - SQLite: tables and indexes share one namespace per database, compared
//!   without regard to case; names starting `sqlite_` are the engine's.
//! - PostgreSQL: tables, indexes and the indexes behind PRIMARY KEY and
//!   UNIQUE constraints share one namespace per schema; constraint names are
//!   unique per table; names starting `pg_` are shadowed by the catalog.
//!
//! Every name is compared lower-cased, the stricter of the two rules, so a
//! schema that passes works on both engines.

use std::collections::BTreeMap;

use crate::dialect::Dialect;
use crate::ir::Model;
use crate::naming::constraint_name;
use crate::source_map::YamlPath;

/// Prefixes an engine keeps for its own objects, and the engine.
const ENGINE_PREFIXES: &[(&str, &str)] = &[
    ("sqlite_", "SQLite"),
    ("pg_", "PostgreSQL"),
    // The migration history table, `schemagen_migrations`, and any later one.
    ("schemagen_", "schemagen"),
];

/// One object's claim on a name: what it is, in words, and where the
/// schema declares it (or declares what it is derived from).
#[derive(Debug, Clone)]
pub struct Claim {
    pub name: String,
    pub what: String,
    pub path: YamlPath,
    pub at_key: bool,
}

/// A name claimed twice: the second claim, and the description of the first.
#[derive(Debug)]
pub struct Collision {
    pub second: Claim,
    pub first_what: String,
}

/// A name that starts with an engine's own prefix.
#[derive(Debug)]
pub struct EngineReserved {
    pub claim: Claim,
    pub prefix: &'static str,
    pub engine: &'static str,
}

/// The schema-wide namespace of relations (SQLite's and PostgreSQL's).
#[derive(Default)]
pub struct Namespaces {
    relations: BTreeMap<String, String>,
}

impl Namespaces {
    /// Claims every name `model` puts into the database. `model_path` is
    /// where the model stands; `check_positions[i]` is the position under
    /// `checks:` of `model.checks[i]`; `referencing` are the fields with a
    /// foreign key (resolved only after every model's names are claimed).
    pub fn claim_model(
        &mut self,
        model: &Model,
        model_path: &YamlPath,
        index_positions: &[usize],
        check_positions: &[usize],
        referencing: &[usize],
    ) -> (Vec<Collision>, Vec<EngineReserved>) {
        let table = model.table.as_str();
        let of_model = format!("of model `{}`", model.name);
        let field_path = |column: &str| model_path.key("fields").key(column);
        let claim = |name: String, what: String, path: YamlPath, at_key: bool| Claim {
            name,
            what,
            path,
            at_key,
        };

        // Names in the schema-wide namespace, then the table's constraints.
        let mut relations = vec![claim(
            table.to_owned(),
            format!("the table {of_model}"),
            model_path.key("table"),
            false,
        )];
        let mut constraints: Vec<Claim> = Vec::new();
        let pk = model.primary_key();
        let pkey = claim(
            constraint_name(&[table, "pkey"]),
            format!(
                "the PostgreSQL primary key constraint of `{table}.{}`",
                pk.column
            ),
            field_path(&pk.column),
            true,
        );
        relations.push(pkey.clone());
        constraints.push(pkey);
        for (position, field) in model.fields.iter().enumerate() {
            let column = field.column.as_str();
            if field.unique && !field.primary_key {
                let key = claim(
                    constraint_name(&[table, column, "key"]),
                    format!("the PostgreSQL unique constraint of `{table}.{column}`"),
                    field_path(column),
                    true,
                );
                relations.push(key.clone());
                constraints.push(key);
            }
            if !Dialect::Postgres.type_checks(field).is_empty() {
                constraints.push(claim(
                    constraint_name(&[table, column, "check"]),
                    format!("the PostgreSQL check constraint of `{table}.{column}`'s type"),
                    field_path(column),
                    true,
                ));
            }
            if referencing.contains(&position) {
                constraints.push(claim(
                    constraint_name(&[table, column, "fkey"]),
                    format!("the PostgreSQL foreign key constraint of `{table}.{column}`"),
                    field_path(column),
                    true,
                ));
            }
        }
        for (index, &position) in model.indexes.iter().zip(index_positions) {
            relations.push(claim(
                index.name.clone(),
                format!("index `{}` {of_model}", index.name),
                model_path.key("indexes").index(position).key("name"),
                false,
            ));
        }
        for (check, &position) in model.checks.iter().zip(check_positions) {
            constraints.push(claim(
                check.name.clone(),
                format!("check `{}` {of_model}", check.name),
                model_path.key("checks").index(position),
                false,
            ));
        }

        let mut collisions = Vec::new();
        let mut reserved = Vec::new();
        for claim in &relations {
            if let Some((prefix, engine)) = engine_prefix(&claim.name) {
                reserved.push(EngineReserved {
                    claim: claim.clone(),
                    prefix,
                    engine,
                });
            }
        }
        // Every derived name starts with the table's: when the table's name
        // is taken, theirs would only repeat the one collision.
        if let Some(first) = self.relations.get(&table.to_ascii_lowercase()) {
            let first_what = first.clone();
            let second = relations.swap_remove(0);
            collisions.push(Collision { second, first_what });
            return (collisions, reserved);
        }
        for claim in relations {
            let key = claim.name.to_ascii_lowercase();
            match self.relations.get(&key) {
                Some(first) => collisions.push(Collision {
                    second: claim,
                    first_what: first.clone(),
                }),
                None => {
                    self.relations.insert(key, claim.what);
                }
            }
        }
        let mut table_constraints: BTreeMap<String, String> = BTreeMap::new();
        for claim in constraints {
            let key = claim.name.to_ascii_lowercase();
            match table_constraints.get(&key) {
                Some(first) => collisions.push(Collision {
                    second: claim,
                    first_what: first.clone(),
                }),
                None => {
                    table_constraints.insert(key, claim.what);
                }
            }
        }
        (collisions, reserved)
    }
}

/// The engine whose prefix `name` starts with, ignoring case.
fn engine_prefix(name: &str) -> Option<(&'static str, &'static str)> {
    let lower = name.to_ascii_lowercase();
    ENGINE_PREFIXES
        .iter()
        .find(|(prefix, _)| lower.starts_with(prefix))
        .copied()
}
