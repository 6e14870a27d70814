//! The PostgreSQL plan of a diff: `ALTER TABLE` steps on the named
//! constraints of `schema.postgres.sql`. Renaming a table or column also
//! renames the constraints whose names derive from it, so a migrated
//! database has exactly the names a fresh one gets. Steps run in an order
//! that never meets a dependency: what goes away first (old names), then
//! renames, dropped tables (children first), created tables (parents
//! first), what changes and what is added.

use super::diff::{Aspect, SchemaDiff, TableDiff};
use super::Step;
use crate::ddl::{self, FieldConstraint};
use crate::dialect::Dialect;
use crate::ir::{Field, FieldType, Model, Schema};
use crate::naming::sql_ident;

const PG: Dialect = Dialect::Postgres;

/// The field constraints of `field`, by kind.
fn constraints_of(
    schema: &Schema,
    model: &Model,
    field: &Field,
) -> Vec<(FieldConstraint, ddl::Constraint)> {
    ddl::field_constraints(schema, model, field, PG)
}

/// Kinds of field constraint a change of these aspects replaces.
fn replaced_kinds(aspects: &[Aspect]) -> Vec<FieldConstraint> {
    let mut kinds = Vec::new();
    for aspect in aspects {
        match aspect {
            Aspect::Type | Aspect::Values => kinds.push(FieldConstraint::TypeCheck),
            Aspect::Unique => kinds.push(FieldConstraint::Unique),
            Aspect::Key => kinds.push(FieldConstraint::PrimaryKey),
            Aspect::ForeignKey => kinds.push(FieldConstraint::ForeignKey),
            Aspect::Name | Aspect::Nullability | Aspect::Default => {}
        }
    }
    kinds
}

fn alter(table: &str, action: String) -> String {
    format!("ALTER TABLE {} {action};", sql_ident(table))
}

/// The steps that take a database at `diff.old` to `diff.new`.
pub fn plan(diff: &SchemaDiff) -> Vec<Step> {
    let (old, new) = (diff.old, diff.new);
    let mut steps = Vec::new();
    // 1. What goes away, under its old names.
    for table in &diff.tables {
        steps.extend(remove_old(old, table));
    }
    // 2. Renames, with the constraint names that derive from them.
    for table in &diff.tables {
        steps.extend(renames(old, new, table));
    }
    // 3. Dropped tables, children first.
    for &index in &diff.dropped {
        let table = &old.models[index].table;
        steps.push(Step::new(
            format!("drop table `{table}` and its rows"),
            format!("DROP TABLE {};", sql_ident(table)),
        ));
    }
    // 4. Created tables, parents first.
    for &index in &diff.created {
        steps.push(super::create_table(new, &new.models[index], PG));
    }
    // 5. What changes and what is added.
    for table in &diff.tables {
        steps.extend(add_new(old, new, table));
    }
    steps
}

fn remove_old(old: &Schema, table: &TableDiff) -> Vec<Step> {
    let model = &old.models[table.old];
    let mut steps = Vec::new();
    for &index in &table.indexes_dropped {
        let name = &model.indexes[index].name;
        steps.push(Step::new(
            format!("drop index `{name}` of `{}`", model.table),
            format!("DROP INDEX {};", sql_ident(name)),
        ));
    }
    for &check in &table.checks_dropped {
        let name = &model.checks[check].name;
        steps.push(Step::new(
            format!("drop check `{name}` of `{}`", model.table),
            alter(&model.table, format!("DROP CONSTRAINT {}", sql_ident(name))),
        ));
    }
    for change in &table.changed {
        let field = &model.fields[change.old];
        let replaced = replaced_kinds(&change.aspects);
        for (kind, constraint) in constraints_of(old, model, field) {
            if replaced.contains(&kind) {
                steps.push(Step::new(
                    format!(
                        "drop constraint `{}` of `{}.{}`, to be replaced",
                        constraint.name, model.table, field.column
                    ),
                    alter(
                        &model.table,
                        format!("DROP CONSTRAINT {}", sql_ident(&constraint.name)),
                    ),
                ));
            }
        }
        if change.aspects.contains(&Aspect::Key) && field.autoincrement {
            steps.push(Step::new(
                format!("stop generating `{}.{}`", model.table, field.column),
                alter(
                    &model.table,
                    format!("ALTER COLUMN {} DROP IDENTITY", sql_ident(&field.column)),
                ),
            ));
        }
    }
    for &field in &table.dropped {
        let column = &model.fields[field].column;
        steps.push(Step::new(
            format!("drop column `{}.{column}` and its values", model.table),
            alter(&model.table, format!("DROP COLUMN {}", sql_ident(column))),
        ));
    }
    steps
}

fn renames(old: &Schema, new: &Schema, table: &TableDiff) -> Vec<Step> {
    let (old_model, new_model) = (&old.models[table.old], &new.models[table.new]);
    let mut steps = Vec::new();
    if old_model.table != new_model.table {
        steps.push(Step::new(
            format!(
                "rename table `{}` to `{}`",
                old_model.table, new_model.table
            ),
            alter(
                &old_model.table,
                format!("RENAME TO {}", sql_ident(&new_model.table)),
            ),
        ));
    }
    for &(o, n) in &table.kept {
        let (old_field, new_field) = (&old_model.fields[o], &new_model.fields[n]);
        if old_field.column != new_field.column {
            steps.push(Step::new(
                format!(
                    "rename column `{}.{}` to `{}`",
                    new_model.table, old_field.column, new_field.column
                ),
                alter(
                    &new_model.table,
                    format!(
                        "RENAME COLUMN {} TO {}",
                        sql_ident(&old_field.column),
                        sql_ident(&new_field.column)
                    ),
                ),
            ));
        }
        // The constraints that stay keep their rows' guarantees; only the
        // names that derive from table and column follow them.
        let replaced = table
            .change_of(n)
            .map(|c| replaced_kinds(&c.aspects))
            .unwrap_or_default();
        for (kind, constraint) in constraints_of(old, old_model, old_field) {
            if replaced.contains(&kind) {
                continue;
            }
            let name = ddl::field_constraint_name(&new_model.table, &new_field.column, kind);
            if name != constraint.name {
                steps.push(Step::new(
                    format!("rename constraint `{}` to `{name}`", constraint.name),
                    alter(
                        &new_model.table,
                        format!(
                            "RENAME CONSTRAINT {} TO {}",
                            sql_ident(&constraint.name),
                            sql_ident(&name)
                        ),
                    ),
                ));
            }
        }
    }
    steps
}

/// How `USING` converts a column from `from` to `to`: a direct cast where
/// PostgreSQL has one (between numbers, and to or from text), else through
/// text, which converts every value a text can spell.
fn conversion(column: &str, from: &FieldType, to: &FieldType, to_sql: &str) -> String {
    let texty = |ty: &FieldType| {
        matches!(
            ty,
            FieldType::String { .. } | FieldType::Text | FieldType::Enum(_)
        )
    };
    let numeric = |ty: &FieldType| matches!(ty, FieldType::Int | FieldType::Float);
    if texty(from) || texty(to) || (numeric(from) && numeric(to)) {
        format!("{column}::{to_sql}")
    } else {
        format!("{column}::text::{to_sql}")
    }
}

fn add_new(old: &Schema, new: &Schema, table: &TableDiff) -> Vec<Step> {
    let old_model = &old.models[table.old];
    let model = &new.models[table.new];
    let mut steps = Vec::new();
    for &field in &table.added {
        let field = &model.fields[field];
        let mut sql = vec![alter(
            &model.table,
            format!("ADD COLUMN {}", ddl::column_definition(new, field, PG)),
        )];
        for (_, constraint) in constraints_of(new, model, field) {
            sql.push(add_constraint(&model.table, &constraint));
        }
        steps.push(Step {
            description: format!("add column `{}.{}`", model.table, field.column),
            sql,
        });
    }
    for change in &table.changed {
        let field = &model.fields[change.new];
        let column = sql_ident(&field.column);
        let mut sql = Vec::new();
        for aspect in &change.aspects {
            match aspect {
                Aspect::Type if !field.autoincrement => {
                    let old_field = &old_model.fields[change.old];
                    // A default of the old type may not convert: it goes,
                    // and the new one comes after the new type.
                    if old_field.default.is_some() {
                        sql.push(alter(
                            &model.table,
                            format!("ALTER COLUMN {column} DROP DEFAULT"),
                        ));
                    }
                    let ty = PG.column_type(&field.ty);
                    let using = conversion(&column, &old_field.ty, &field.ty, &ty);
                    sql.push(alter(
                        &model.table,
                        format!("ALTER COLUMN {column} TYPE {ty} USING {using}"),
                    ));
                    if let Some(default) = &field.default {
                        sql.push(alter(
                            &model.table,
                            format!(
                                "ALTER COLUMN {column} SET DEFAULT {}",
                                PG.default_clause(field, default)
                            ),
                        ));
                    }
                }
                Aspect::Nullability if !field.primary_key => {
                    let action = if field.nullable { "DROP" } else { "SET" };
                    sql.push(alter(
                        &model.table,
                        format!("ALTER COLUMN {column} {action} NOT NULL"),
                    ));
                }
                Aspect::Default if !change.aspects.contains(&Aspect::Type) => {
                    let action = match &field.default {
                        Some(default) => {
                            format!("SET DEFAULT {}", PG.default_clause(field, default))
                        }
                        None => "DROP DEFAULT".to_owned(),
                    };
                    sql.push(alter(
                        &model.table,
                        format!("ALTER COLUMN {column} {action}"),
                    ));
                }
                Aspect::Key if field.autoincrement => {
                    sql.push(alter(
                        &model.table,
                        format!("ALTER COLUMN {column} ADD GENERATED BY DEFAULT AS IDENTITY"),
                    ));
                    // New ids continue after the ones already stored.
                    sql.push(format!(
                        "SELECT setval(pg_get_serial_sequence({}, {}), GREATEST(COALESCE(MAX({column}), 0), 1), MAX({column}) IS NOT NULL) FROM {};",
                        crate::naming::sql_string(&model.table),
                        crate::naming::sql_string(&field.column),
                        sql_ident(&model.table)
                    ));
                }
                _ => {}
            }
        }
        let replaced = replaced_kinds(&change.aspects);
        for (kind, constraint) in constraints_of(new, model, field) {
            if replaced.contains(&kind) {
                sql.push(add_constraint(&model.table, &constraint));
            }
        }
        if !sql.is_empty() {
            steps.push(Step {
                description: format!(
                    "change column `{}.{}`: {}",
                    model.table,
                    field.column,
                    super::describe_aspects(&change.aspects)
                ),
                sql,
            });
        }
    }
    for &check in &table.checks_added {
        let constraint = ddl::check_constraint(model, &model.checks[check], PG);
        steps.push(Step::new(
            format!("add check `{}` to `{}`", constraint.name, model.table),
            add_constraint(&model.table, &constraint),
        ));
    }
    for &index in &table.indexes_added {
        let index = &model.indexes[index];
        steps.push(Step::new(
            format!("create index `{}` on `{}`", index.name, model.table),
            ddl::create_index(model, index, false),
        ));
    }
    steps
}

fn add_constraint(table: &str, constraint: &ddl::Constraint) -> String {
    alter(
        table,
        format!(
            "ADD CONSTRAINT {} {}",
            sql_ident(&constraint.name),
            constraint.body
        ),
    )
}
