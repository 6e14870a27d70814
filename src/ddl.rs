//! The DDL statements of a resolved schema, per dialect: shared by the
//! schema files render writes and by the migration planners, so a table a
//! migration creates or rebuilds is exactly the table a fresh database
//! gets, and a constraint it adds has exactly its fresh name.

use crate::dialect::Dialect;
use crate::ir::{Check, Field, Index, Model, OnDelete, Schema};
use crate::naming::{constraint_name, sql_ident};

/// One named constraint of a table (PostgreSQL names every one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub name: String,
    /// What follows `CONSTRAINT name` (`UNIQUE (c)`, `CHECK (...)`).
    pub body: String,
}

/// What kind of constraint a field brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldConstraint {
    PrimaryKey,
    Unique,
    TypeCheck,
    ForeignKey,
}

impl FieldConstraint {
    /// The suffix PostgreSQL itself would give the constraint's name.
    fn suffix(self) -> &'static str {
        match self {
            FieldConstraint::PrimaryKey => "pkey",
            FieldConstraint::Unique => "key",
            FieldConstraint::TypeCheck => "check",
            FieldConstraint::ForeignKey => "fkey",
        }
    }
}

/// The name a field's constraint of `kind` has in `table`.
pub fn field_constraint_name(table: &str, column: &str, kind: FieldConstraint) -> String {
    match kind {
        FieldConstraint::PrimaryKey => constraint_name(&[table, "pkey"]),
        _ => constraint_name(&[table, column, kind.suffix()]),
    }
}

/// The `REFERENCES ...` clause of a field's foreign key.
fn reference(schema: &Schema, field: &Field) -> Option<String> {
    let fk = field.foreign_key.as_ref()?;
    let parent = &schema.models[fk.model];
    let mut reference = format!(
        "REFERENCES {} ({})",
        sql_ident(&parent.table),
        sql_ident(&parent.fields[fk.field].column)
    );
    if fk.on_delete != OnDelete::NoAction {
        reference.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    Some(reference)
}

/// The constraints a field brings, as table constraints, in the order the
/// table lists them: key, unique, type checks, foreign key.
pub fn field_constraints(
    schema: &Schema,
    model: &Model,
    field: &Field,
    dialect: Dialect,
) -> Vec<(FieldConstraint, Constraint)> {
    let column = sql_ident(&field.column);
    let named = |kind: FieldConstraint, body: String| {
        let name = field_constraint_name(&model.table, &field.column, kind);
        (kind, Constraint { name, body })
    };
    let mut constraints = Vec::new();
    if field.primary_key {
        constraints.push(named(
            FieldConstraint::PrimaryKey,
            format!("PRIMARY KEY ({column})"),
        ));
    }
    if field.unique && !field.primary_key {
        constraints.push(named(FieldConstraint::Unique, format!("UNIQUE ({column})")));
    }
    for check in dialect.type_checks(field) {
        constraints.push(named(
            FieldConstraint::TypeCheck,
            format!("CHECK ({check})"),
        ));
    }
    if let Some(reference) = reference(schema, field) {
        constraints.push(named(
            FieldConstraint::ForeignKey,
            format!("FOREIGN KEY ({column}) {reference}"),
        ));
    }
    constraints
}

/// A table CHECK of the `checks` list, under its own name.
pub fn check_constraint(model: &Model, check: &Check, dialect: Dialect) -> Constraint {
    Constraint {
        name: check.name.clone(),
        body: format!("CHECK ({})", dialect.check_sql(model, &check.expr)),
    }
}

/// A column as `CREATE TABLE` or `ADD COLUMN` declares it: name, type,
/// NOT NULL and default, and, where the dialect does not name constraints
/// (SQLite), its key, unique, checks and reference as column clauses.
pub fn column_definition(schema: &Schema, field: &Field, dialect: Dialect) -> String {
    let named = dialect.names_constraints();
    let column = sql_ident(&field.column);
    let mut line = if field.autoincrement {
        format!("{column} {}", dialect.autoincrement_key())
    } else {
        format!("{column} {}", dialect.column_type(&field.ty))
    };
    if field.primary_key && !named && !field.autoincrement {
        line.push_str(" PRIMARY KEY");
    }
    if !field.autoincrement {
        // A named PRIMARY KEY constraint implies NOT NULL.
        let key_implies_not_null = named && field.primary_key;
        if !field.nullable && !key_implies_not_null {
            line.push_str(" NOT NULL");
        }
        if let Some(default) = &field.default {
            line.push_str(&format!(
                " DEFAULT {}",
                dialect.default_clause(field, default)
            ));
        }
    }
    if !named {
        if field.unique && !field.primary_key {
            line.push_str(" UNIQUE");
        }
        for check in dialect.type_checks(field) {
            line.push_str(&format!(" CHECK ({check})"));
        }
        if let Some(reference) = reference(schema, field) {
            line.push(' ');
            line.push_str(&reference);
        }
    }
    line
}

/// `CREATE TABLE` for `model`, under `table` (its own name, or the
/// scratch name of a rebuild).
pub fn create_table(
    schema: &Schema,
    model: &Model,
    table: &str,
    dialect: Dialect,
    if_not_exists: bool,
) -> String {
    let mut lines: Vec<String> = model
        .fields
        .iter()
        .map(|field| column_definition(schema, field, dialect))
        .collect();
    if dialect.names_constraints() {
        for field in &model.fields {
            for (_, constraint) in field_constraints(schema, model, field, dialect) {
                lines.push(format!(
                    "CONSTRAINT {} {}",
                    sql_ident(&constraint.name),
                    constraint.body
                ));
            }
        }
    }
    for check in &model.checks {
        let constraint = check_constraint(model, check, dialect);
        lines.push(format!(
            "CONSTRAINT {} {}",
            sql_ident(&constraint.name),
            constraint.body
        ));
    }
    format!(
        "CREATE TABLE {}{} (\n{}\n);",
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        sql_ident(table),
        lines
            .iter()
            .map(|line| format!("    {line}"))
            .collect::<Vec<_>>()
            .join(",\n")
    )
}

/// `CREATE INDEX` for one of the model's indexes.
pub fn create_index(model: &Model, index: &Index, if_not_exists: bool) -> String {
    let columns: Vec<String> = index
        .columns
        .iter()
        .map(|&c| sql_ident(&model.fields[c].column))
        .collect();
    format!(
        "CREATE {}INDEX {}{} ON {} ({});",
        if index.unique { "UNIQUE " } else { "" },
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        sql_ident(&index.name),
        sql_ident(&model.table),
        columns.join(", ")
    )
}

/// How SQLite's message names a check without a name: by its text,
/// dequoted as SQLite dequotes a name, so a text that starts with a quoted
/// column (`"action" IN (...)`) is named by that column alone.
pub fn sqlite_check_words(text: &str) -> String {
    let Some(rest) = text.strip_prefix('"') else {
        return text.to_owned();
    };
    let mut words = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            words.push(c);
        } else if chars.next_if_eq(&'"').is_some() {
            words.push('"');
        } else {
            break;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::sqlite_check_words;

    #[test]
    fn sqlite_names_a_check_by_its_text_dequoted() {
        assert_eq!(
            sqlite_check_words("length(title) <= 5"),
            "length(title) <= 5"
        );
        assert_eq!(sqlite_check_words("\"action\" IN ('a', 'b')"), "action");
        assert_eq!(sqlite_check_words("\"a\"\"b\" IN (0, 1)"), "a\"b");
    }
}
