//! The SQLite plan of a diff. Native `ALTER TABLE` only where SQLite does
//! exactly what is meant: renames (which rewrite every reference), `ADD
//! COLUMN` of a column SQLite can add (not a key, not unique, no expression
//! default, NULL or a default for existing rows, a reference only with a
//! NULL default) and `DROP COLUMN` of a column nothing else names. Every
//! other change rebuilds the table the way SQLite documents: create the new
//! table, copy the rows, drop the old one, rename the new one, recreate its
//! indexes. The runner turns foreign keys off before the transaction opens
//! (inside one the pragma is ignored) and runs `PRAGMA foreign_key_check`
//! before it commits, so no child row is lost to ON DELETE and none is left
//! dangling.

use super::diff::{Aspect, SchemaDiff, TableDiff};
use super::Step;
use crate::ddl;
use crate::dialect::Dialect;
use crate::ir::{DefaultValue, Field, Schema};
use crate::naming::sql_ident;

/// The steps that take a database at `diff.old` to `diff.new`.
pub fn plan(diff: &SchemaDiff) -> Vec<Step> {
    let (old, new) = (diff.old, diff.new);
    let mut steps = Vec::new();
    for table in &diff.tables {
        let model = &old.models[table.old];
        for &index in &table.indexes_dropped {
            let name = &model.indexes[index].name;
            steps.push(Step::new(
                format!("drop index `{name}` of `{}`", model.table),
                format!("DROP INDEX {};", sql_ident(name)),
            ));
        }
    }
    for table in &diff.tables {
        let (from, to) = (&old.models[table.old].table, &new.models[table.new].table);
        if from != to {
            steps.push(Step::new(
                format!("rename table `{from}` to `{to}`"),
                format!(
                    "ALTER TABLE {} RENAME TO {};",
                    sql_ident(from),
                    sql_ident(to)
                ),
            ));
        }
    }
    for &index in &diff.dropped {
        let table = &old.models[index].table;
        steps.push(Step::new(
            format!("drop table `{table}` and its rows"),
            format!("DROP TABLE {};", sql_ident(table)),
        ));
    }
    for &index in &diff.created {
        steps.push(super::create_table(
            new,
            &new.models[index],
            Dialect::Sqlite,
        ));
    }
    for table in &diff.tables {
        if needs_rebuild(old, new, table) {
            steps.push(rebuild(old, new, table));
        } else {
            steps.extend(alter_in_place(old, new, table));
        }
    }
    steps
}

/// Whether SQLite's `ADD COLUMN` adds `field` exactly as declared.
fn can_add_column(field: &Field) -> bool {
    !field.primary_key
        && !field.unique
        && field.default != Some(DefaultValue::Now)
        && (field.nullable || field.default.is_some())
        && (field.foreign_key.is_none() || field.default.is_none())
}

/// Whether SQLite's `DROP COLUMN` drops `old` field `field` of `table`:
/// nothing else may name it.
fn can_drop_column(old: &Schema, table: &TableDiff, field: usize) -> bool {
    let model = &old.models[table.old];
    let column = &model.fields[field];
    let in_kept_index =
        model.indexes.iter().enumerate().any(|(i, index)| {
            !table.indexes_dropped.contains(&i) && index.columns.contains(&field)
        });
    let in_check = model
        .checks
        .iter()
        .any(|c| c.expr.columns().contains(&field));
    let referenced = old.models.iter().any(|m| {
        m.fields.iter().any(|f| {
            f.foreign_key
                .as_ref()
                .is_some_and(|fk| fk.model == table.old && fk.field == field)
        })
    });
    !column.primary_key
        && !column.unique
        && column.foreign_key.is_none()
        && !in_kept_index
        && !in_check
        && !referenced
}

fn needs_rebuild(old: &Schema, new: &Schema, table: &TableDiff) -> bool {
    let new_model = &new.models[table.new];
    table
        .changed
        .iter()
        .any(|change| change.aspects.iter().any(|a| *a != Aspect::Name))
        || table
            .added
            .iter()
            .any(|&f| !can_add_column(&new_model.fields[f]))
        || table
            .dropped
            .iter()
            .any(|&f| !can_drop_column(old, table, f))
        || !table.checks_added.is_empty()
        || !table.checks_dropped.is_empty()
}

/// Renames, drops and adds that SQLite does in place.
fn alter_in_place(old: &Schema, new: &Schema, table: &TableDiff) -> Vec<Step> {
    let (old_model, new_model) = (&old.models[table.old], &new.models[table.new]);
    let name = sql_ident(&new_model.table);
    let mut steps = Vec::new();
    for change in &table.changed {
        let (from, to) = (
            &old_model.fields[change.old].column,
            &new_model.fields[change.new].column,
        );
        steps.push(Step::new(
            format!("rename column `{}.{from}` to `{to}`", new_model.table),
            format!(
                "ALTER TABLE {name} RENAME COLUMN {} TO {};",
                sql_ident(from),
                sql_ident(to)
            ),
        ));
    }
    for &field in &table.dropped {
        let column = &old_model.fields[field].column;
        steps.push(Step::new(
            format!("drop column `{}.{column}` and its values", new_model.table),
            format!("ALTER TABLE {name} DROP COLUMN {};", sql_ident(column)),
        ));
    }
    for &field in &table.added {
        let field = &new_model.fields[field];
        steps.push(Step::new(
            format!("add column `{}.{}`", new_model.table, field.column),
            format!(
                "ALTER TABLE {name} ADD COLUMN {};",
                ddl::column_definition(new, field, Dialect::Sqlite)
            ),
        ));
    }
    for &index in &table.indexes_added {
        let index = &new_model.indexes[index];
        steps.push(Step::new(
            format!("create index `{}` on `{}`", index.name, new_model.table),
            ddl::create_index(new_model, index, false),
        ));
    }
    steps
}

/// SQLite's documented table rebuild, keeping every row.
fn rebuild(old: &Schema, new: &Schema, table: &TableDiff) -> Step {
    let (old_model, new_model) = (&old.models[table.old], &new.models[table.new]);
    let scratch = format!("{}__schemagen_new", new_model.table);
    let mut sql = vec![ddl::create_table(
        new,
        new_model,
        &scratch,
        Dialect::Sqlite,
        false,
    )];
    let (targets, sources): (Vec<String>, Vec<String>) = table
        .kept
        .iter()
        .map(|&(o, n)| {
            (
                sql_ident(&new_model.fields[n].column),
                sql_ident(&old_model.fields[o].column),
            )
        })
        .unzip();
    // Added columns are left out of the copy and take their defaults.
    sql.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {};",
        sql_ident(&scratch),
        targets.join(", "),
        sources.join(", "),
        sql_ident(&new_model.table)
    ));
    let keeps_counter =
        old_model.primary_key().autoincrement && new_model.primary_key().autoincrement;
    if keeps_counter {
        // AUTOINCREMENT never reuses an id, even of a deleted newest row:
        // the new table takes over the old one's counter.
        let literal = |name: &str| crate::naming::sql_string(name);
        sql.push(format!(
            "DELETE FROM sqlite_sequence WHERE name = {};",
            literal(&scratch)
        ));
        sql.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {};",
            literal(&scratch),
            literal(&new_model.table)
        ));
    }
    sql.push(format!("DROP TABLE {};", sql_ident(&new_model.table)));
    sql.push(format!(
        "ALTER TABLE {} RENAME TO {};",
        sql_ident(&scratch),
        sql_ident(&new_model.table)
    ));
    sql.extend(
        new_model
            .indexes
            .iter()
            .map(|i| ddl::create_index(new_model, i, false)),
    );
    Step {
        description: format!(
            "rebuild table `{}`, keeping its rows ({})",
            new_model.table,
            super::describe_table_changes(old, new, table).join("; ")
        ),
        sql,
    }
}
