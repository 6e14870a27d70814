//! Which changes of a diff can lose data or fail on a table that holds
//! rows: each one located in the schema that has the thing (schema.yaml for
//! what is new or changed, the previous snapshot for what was removed).
//! `migrate new` refuses them unless `--allow-destructive` is given, and
//! then marks each in the SQL.

use super::diff::{Aspect, SchemaDiff, StoredType};
use crate::source_map::YamlPath;

/// Which schema a finding points into.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// schema.yaml, at this path.
    New(YamlPath),
    /// The snapshot of the previous migration, at this path.
    Old(YamlPath),
}

/// One change that can lose data or stop on existing rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What the change does, as a sentence without a subject.
    pub message: String,
    pub place: Place,
    /// The table it concerns, as the plan's steps name it.
    pub table: String,
}

fn model_path(name: &str) -> YamlPath {
    YamlPath::root().key("models").key(name)
}

fn field_path(model: &str, column: &str) -> YamlPath {
    model_path(model).key("fields").key(column)
}

/// Every destructive change of `diff`.
pub fn lint(diff: &SchemaDiff) -> Vec<Finding> {
    let (old, new) = (diff.old, diff.new);
    let mut findings = Vec::new();
    for &index in &diff.dropped {
        let model = &old.models[index];
        findings.push(Finding {
            message: format!("drops table `{}` and every row in it", model.table),
            place: Place::Old(model_path(&model.name)),
            table: model.table.clone(),
        });
    }
    for table in &diff.tables {
        let (old_model, new_model) = (&old.models[table.old], &new.models[table.new]);
        for &field in &table.dropped {
            let field = &old_model.fields[field];
            findings.push(Finding {
                message: format!(
                    "drops column `{}.{}` and its values",
                    old_model.table, field.column
                ),
                place: Place::Old(field_path(&old_model.name, &field.column)),
                table: new_model.table.clone(),
            });
        }
        for &field in &table.added {
            let field = &new_model.fields[field];
            if !field.nullable && field.default.is_none() && !field.autoincrement {
                findings.push(Finding {
                    message: format!(
                        "adds `{}.{}` NOT NULL without a default, which existing rows have no value for",
                        new_model.table, field.column
                    ),
                    place: Place::New(field_path(&new_model.name, &field.column)),
                    table: new_model.table.clone(),
                });
            }
        }
        for change in &table.changed {
            let (a, b) = (&old_model.fields[change.old], &new_model.fields[change.new]);
            let at = field_path(&new_model.name, &b.column);
            let column = format!("`{}.{}`", new_model.table, b.column);
            let mut push = |message: String, path: YamlPath| {
                findings.push(Finding {
                    message,
                    place: Place::New(path),
                    table: new_model.table.clone(),
                })
            };
            let (from, to) = (StoredType::of(&a.ty), StoredType::of(&b.ty));
            if change.aspects.contains(&Aspect::Type) && !from.fits_in(&to) {
                push(
                    format!(
                        "changes {column} from `{}` to `{}`, which not every stored value fits",
                        a.ty.schema_name(),
                        b.ty.schema_name()
                    ),
                    at.key("type"),
                );
            }
            if change.aspects.contains(&Aspect::Values) {
                if let (StoredType::Enum(before), StoredType::Enum(after)) = (&from, &to) {
                    let removed: Vec<String> = before
                        .iter()
                        .filter(|v| !after.contains(v))
                        .map(|v| format!("`{v}`"))
                        .collect();
                    if !removed.is_empty() {
                        push(
                            format!(
                                "removes the value(s) {} of {column}; rows holding them stop the migration",
                                removed.join(", ")
                            ),
                            at.key("values"),
                        );
                    }
                }
            }
            if change.aspects.contains(&Aspect::Nullability) && a.nullable && !b.nullable {
                push(
                    format!("makes {column} NOT NULL; rows holding NULL stop the migration"),
                    at.clone(),
                );
            }
            if change.aspects.contains(&Aspect::Unique) && b.unique {
                push(
                    format!("makes {column} unique; duplicate values stop the migration"),
                    at.key("unique"),
                );
            }
            if change.aspects.contains(&Aspect::Key) && (a.primary_key || b.primary_key) {
                push(
                    format!("changes the primary key of `{}`", new_model.table),
                    at.clone(),
                );
            }
        }
        for &index in &table.indexes_added {
            let index_def = &new_model.indexes[index];
            if index_def.unique {
                push_unique_index(
                    &mut findings,
                    &new_model.name,
                    &new_model.table,
                    index,
                    &index_def.name,
                );
            }
        }
    }
    findings
}

fn push_unique_index(
    findings: &mut Vec<Finding>,
    model: &str,
    table: &str,
    index: usize,
    name: &str,
) {
    findings.push(Finding {
        message: format!(
            "adds unique index `{name}` on `{table}`; duplicate values stop the migration"
        ),
        place: Place::New(model_path(model).key("indexes").index(index)),
        table: table.to_owned(),
    });
}
