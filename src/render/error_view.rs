//! The view of the generated `error.rs`: every constraint of the schema as
//! both engines report it, so one violation reads the same from either.
//! Names come from `ddl`, the module that gives the DDL its names.

use crate::ddl::{field_constraint_name, sqlite_check_words, FieldConstraint};
use crate::dialect::Dialect;
use crate::ir::{FieldType, Model, OnDelete, Schema};
use crate::naming::sql_ident;

use super::layout::struct_slice;
use super::view::rust_str;

/// A unique constraint or unique index; every value a Rust literal.
pub struct UniqueView {
    pub table: String,
    pub columns: Vec<String>,
    pub name: String,
}

/// A foreign key with the SQLite queries that tell whether it holds.
pub struct ForeignKeyView {
    pub table: String,
    pub column: String,
    pub name: String,
    pub parent: String,
    pub parent_exists_sql: String,
    /// `Some("...")` where deleting a referenced parent is refused, else
    /// `None`, as Rust.
    pub refusing_delete_sql: String,
}

/// A check, as PostgreSQL names it and SQLite words it.
pub struct CheckView {
    pub table: String,
    pub columns: Vec<String>,
    /// `Some("...")` or `None`, as Rust.
    pub name: String,
    pub sqlite: String,
}

pub struct ErrorView {
    pub uniques: Vec<UniqueView>,
    pub foreign_keys: Vec<ForeignKeyView>,
    pub checks: Vec<CheckView>,
}

impl ErrorView {
    /// The `UNIQUES` catalog, as rustfmt prints it.
    pub fn uniques_slice(&self) -> String {
        let items: Vec<Vec<String>> = self
            .uniques
            .iter()
            .map(|u| {
                vec![
                    format!("table: {}", u.table),
                    format!("columns: &[{}]", u.columns.join(", ")),
                    format!("name: {}", u.name),
                ]
            })
            .collect();
        struct_slice("const UNIQUES: &[Unique]", "Unique", &items)
    }

    /// The `FOREIGN_KEYS` catalog, as rustfmt prints it.
    pub fn foreign_keys_slice(&self) -> String {
        let items: Vec<Vec<String>> = self
            .foreign_keys
            .iter()
            .map(|k| {
                vec![
                    format!("table: {}", k.table),
                    format!("column: {}", k.column),
                    format!("name: {}", k.name),
                    format!("parent: {}", k.parent),
                    format!("parent_exists_sql: {}", k.parent_exists_sql),
                    format!("refusing_delete_sql: {}", k.refusing_delete_sql),
                ]
            })
            .collect();
        struct_slice("const FOREIGN_KEYS: &[ForeignKey]", "ForeignKey", &items)
    }

    /// The `CHECKS` catalog, as rustfmt prints it.
    pub fn checks_slice(&self) -> String {
        let items: Vec<Vec<String>> = self
            .checks
            .iter()
            .map(|c| {
                vec![
                    format!("table: {}", c.table),
                    format!("columns: &[{}]", c.columns.join(", ")),
                    format!("name: {}", c.name),
                    format!("sqlite: {}", c.sqlite),
                ]
            })
            .collect();
        struct_slice("const CHECKS: &[Check]", "Check", &items)
    }
}

fn some_str(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("Some({})", rust_str(text)),
        None => "None".to_owned(),
    }
}

fn column_literals(model: &Model, columns: &[usize]) -> Vec<String> {
    columns
        .iter()
        .map(|&column| rust_str(&model.fields[column].column))
        .collect()
}

fn uniques(model: &Model) -> Vec<UniqueView> {
    let table = rust_str(&model.table);
    let mut uniques = Vec::new();
    for (index, field) in model.fields.iter().enumerate() {
        let kind = if field.primary_key {
            FieldConstraint::PrimaryKey
        } else if field.unique {
            FieldConstraint::Unique
        } else {
            continue;
        };
        uniques.push(UniqueView {
            table: table.clone(),
            columns: column_literals(model, &[index]),
            name: rust_str(&field_constraint_name(&model.table, &field.column, kind)),
        });
    }
    for index in model.indexes.iter().filter(|index| index.unique) {
        uniques.push(UniqueView {
            table: table.clone(),
            columns: column_literals(model, &index.columns),
            name: rust_str(&index.name),
        });
    }
    uniques
}

fn foreign_keys(schema: &Schema, model: &Model) -> Vec<ForeignKeyView> {
    let table = sql_ident(&model.table);
    model
        .fields
        .iter()
        .filter_map(|field| {
            let key = field.foreign_key.as_ref()?;
            let parent = &schema.models[key.model];
            let column = sql_ident(&field.column);
            let parent_exists = format!(
                "SELECT ?1 IS NULL OR EXISTS (SELECT 1 FROM {} WHERE {} = ?1)",
                sql_ident(&parent.table),
                sql_ident(&parent.fields[key.field].column)
            );
            let refuses_delete = matches!(key.on_delete, OnDelete::Restrict | OnDelete::NoAction);
            let refusing_delete = refuses_delete
                .then(|| format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = ?1)"));
            Some(ForeignKeyView {
                table: rust_str(&model.table),
                column: rust_str(&field.column),
                name: rust_str(&field_constraint_name(
                    &model.table,
                    &field.column,
                    FieldConstraint::ForeignKey,
                )),
                parent: rust_str(&parent.table),
                parent_exists_sql: rust_str(&parent_exists),
                refusing_delete_sql: some_str(refusing_delete.as_deref()),
            })
        })
        .collect()
}

fn checks(model: &Model) -> Vec<CheckView> {
    let table = rust_str(&model.table);
    let mut checks = Vec::new();
    for (index, field) in model.fields.iter().enumerate() {
        // PostgreSQL has a named check only for an enum; the others are
        // SQLite's stand-ins for types it lacks.
        let name = matches!(field.ty, FieldType::Enum(_)).then(|| {
            field_constraint_name(&model.table, &field.column, FieldConstraint::TypeCheck)
        });
        for text in Dialect::Sqlite.type_checks(field) {
            checks.push(CheckView {
                table: table.clone(),
                columns: column_literals(model, &[index]),
                name: some_str(name.as_deref()),
                sqlite: rust_str(&sqlite_check_words(&text)),
            });
        }
    }
    for check in &model.checks {
        checks.push(CheckView {
            table: table.clone(),
            columns: column_literals(model, &check.expr.columns()),
            name: some_str(Some(&check.name)),
            sqlite: rust_str(&check.name),
        });
    }
    checks
}

/// Every constraint of `schema`, in schema order.
pub fn error_view(schema: &Schema) -> ErrorView {
    ErrorView {
        uniques: schema.models.iter().flat_map(uniques).collect(),
        foreign_keys: schema
            .models
            .iter()
            .flat_map(|model| foreign_keys(schema, model))
            .collect(),
        checks: schema.models.iter().flat_map(checks).collect(),
    }
}
