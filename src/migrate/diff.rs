//! Two resolved schemas -> what changed between them, in the vocabulary of
//! schema.yaml: tables created, dropped and renamed, and per kept table its
//! columns, indexes and checks. Planners turn this into SQL per engine; the
//! lint reads it to find what would lose data.

use crate::dialect::Dialect;
use crate::ir::{FieldType, Model, Schema};

/// Everything that differs between `old` and `new`.
#[derive(Debug)]
pub struct SchemaDiff<'a> {
    pub old: &'a Schema,
    pub new: &'a Schema,
    /// Models of `new` with no table in `old`, parents first.
    pub created: Vec<usize>,
    /// Models of `old` whose table is gone, children first.
    pub dropped: Vec<usize>,
    /// Models present in both (maybe renamed), in `new`'s creation order;
    /// only those with a difference.
    pub tables: Vec<TableDiff>,
}

/// A table kept from `old` to `new`, and how it changed.
#[derive(Debug, Default)]
pub struct TableDiff {
    pub old: usize,
    pub new: usize,
    /// Columns of `new` with no column in `old`.
    pub added: Vec<usize>,
    /// Columns of `old` with no column in `new`.
    pub dropped: Vec<usize>,
    /// Columns kept, as (old, new) field indexes, in `new`'s order.
    pub kept: Vec<(usize, usize)>,
    /// Kept columns that changed, with what changed.
    pub changed: Vec<ColumnChange>,
    /// Indexes of `new` that `old` lacks or had otherwise.
    pub indexes_added: Vec<usize>,
    /// Indexes of `old` that `new` lacks or has otherwise.
    pub indexes_dropped: Vec<usize>,
    pub checks_added: Vec<usize>,
    pub checks_dropped: Vec<usize>,
}

/// A kept column and what about it changed.
#[derive(Debug, Clone)]
pub struct ColumnChange {
    pub old: usize,
    pub new: usize,
    pub aspects: Vec<Aspect>,
}

/// One way a kept column can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// Its name (`renamed_from`).
    Name,
    /// Its type or string length.
    Type,
    /// The values of an enum.
    Values,
    Nullability,
    Default,
    Unique,
    /// Whether it is the key, or the database assigns it.
    Key,
    /// Its reference: target or ON DELETE.
    ForeignKey,
}

impl TableDiff {
    /// Whether the table differs at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.dropped.is_empty()
            && self.changed.is_empty()
            && self.indexes_added.is_empty()
            && self.indexes_dropped.is_empty()
            && self.checks_added.is_empty()
            && self.checks_dropped.is_empty()
    }

    /// The old field index kept as `new`, if any.
    pub fn old_of(&self, new: usize) -> Option<usize> {
        self.kept.iter().find(|(_, n)| *n == new).map(|(o, _)| *o)
    }

    /// The new field index `old` is kept as, if any.
    pub fn new_of(&self, old: usize) -> Option<usize> {
        self.kept.iter().find(|(o, _)| *o == old).map(|(_, n)| *n)
    }

    /// The change of the column kept as `new`, if it changed.
    pub fn change_of(&self, new: usize) -> Option<&ColumnChange> {
        self.changed.iter().find(|c| c.new == new)
    }
}

impl SchemaDiff<'_> {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.dropped.is_empty() && self.tables.is_empty()
    }

    /// Whether the table of `old` model `index` was renamed.
    pub fn renamed(&self, table: &TableDiff) -> bool {
        self.old.models[table.old].table != self.new.models[table.new].table
    }
}

/// Which model of `old` each model of `new` continues: the one with the
/// same table, else the one its `renamed_from` names (by model or table
/// name) when that table is not kept under its own name.
fn match_models(old: &Schema, new: &Schema) -> Vec<Option<usize>> {
    let by_table = |table: &str| old.models.iter().position(|m| m.table == table);
    let kept_as_is = |old_index: usize| {
        new.models
            .iter()
            .any(|m| m.table == old.models[old_index].table)
    };
    new.models
        .iter()
        .map(|model| {
            by_table(&model.table).or_else(|| {
                let previous = model.renamed_from.as_deref()?;
                let old_index = by_table(previous)
                    .or_else(|| old.models.iter().position(|m| m.name == previous))?;
                (!kept_as_is(old_index)).then_some(old_index)
            })
        })
        .collect()
}

/// Which field of `old_model` each field of `new_model` continues.
fn match_fields(old_model: &Model, new_model: &Model) -> Vec<Option<usize>> {
    let by_column = |column: &str| old_model.fields.iter().position(|f| f.column == column);
    let kept_as_is = |old_index: usize| {
        new_model
            .fields
            .iter()
            .any(|f| f.column == old_model.fields[old_index].column)
    };
    new_model
        .fields
        .iter()
        .map(|field| {
            by_column(&field.column).or_else(|| {
                let old_index = by_column(field.renamed_from.as_deref()?)?;
                (!kept_as_is(old_index)).then_some(old_index)
            })
        })
        .collect()
}

/// A type as stored: what a change of it means for the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredType {
    Int,
    Float,
    /// Text, bounded to `Some(n)` characters.
    Text(Option<u32>),
    Bool,
    DateTime,
    Json,
    /// Text limited to these values.
    Enum(Vec<String>),
}

impl StoredType {
    pub fn of(ty: &FieldType) -> Self {
        match ty {
            FieldType::Int => StoredType::Int,
            FieldType::Float => StoredType::Float,
            FieldType::String { max_len } => StoredType::Text(*max_len),
            FieldType::Text => StoredType::Text(None),
            FieldType::Bool => StoredType::Bool,
            FieldType::DateTime => StoredType::DateTime,
            FieldType::Json => StoredType::Json,
            FieldType::Enum(e) => {
                StoredType::Enum(e.variants.iter().map(|v| v.value.clone()).collect())
            }
        }
    }

    /// Whether every value of `self` is a value of `to`, unchanged.
    pub fn fits_in(&self, to: &StoredType) -> bool {
        match (self, to) {
            (a, b) if a == b => true,
            (StoredType::Text(_), StoredType::Text(None)) => true,
            (StoredType::Text(Some(a)), StoredType::Text(Some(b))) => a <= b,
            (StoredType::Enum(values), StoredType::Text(limit)) => {
                limit.is_none_or(|n| values.iter().all(|v| v.chars().count() <= n as usize))
            }
            (StoredType::Enum(a), StoredType::Enum(b)) => a.iter().all(|v| b.contains(v)),
            _ => false,
        }
    }
}

/// The schemas' differences.
pub fn diff<'a>(old: &'a Schema, new: &'a Schema) -> SchemaDiff<'a> {
    let matches = match_models(old, new);
    let created = new
        .creation_order
        .iter()
        .copied()
        .filter(|&index| matches[index].is_none())
        .collect();
    let dropped = old
        .creation_order
        .iter()
        .rev()
        .copied()
        .filter(|&index| !matches.contains(&Some(index)))
        .collect();
    let tables = new
        .creation_order
        .iter()
        .filter_map(|&new_index| {
            let old_index = matches[new_index]?;
            let table = table_diff(old, new, &matches, old_index, new_index);
            let renamed = old.models[old_index].table != new.models[new_index].table;
            (renamed || !table.is_empty()).then_some(table)
        })
        .collect();
    SchemaDiff {
        old,
        new,
        created,
        dropped,
        tables,
    }
}

fn table_diff(
    old: &Schema,
    new: &Schema,
    model_matches: &[Option<usize>],
    old_index: usize,
    new_index: usize,
) -> TableDiff {
    let old_model = &old.models[old_index];
    let new_model = &new.models[new_index];
    let matches = match_fields(old_model, new_model);
    let mut diff = TableDiff {
        old: old_index,
        new: new_index,
        ..TableDiff::default()
    };
    for (new_field, matched) in matches.iter().enumerate() {
        match matched {
            Some(old_field) => diff.kept.push((*old_field, new_field)),
            None => diff.added.push(new_field),
        }
    }
    diff.dropped = (0..old_model.fields.len())
        .filter(|old_field| !matches.contains(&Some(*old_field)))
        .collect();
    for &(old_field, new_field) in &diff.kept.clone() {
        let (a, b) = (&old_model.fields[old_field], &new_model.fields[new_field]);
        let mut aspects = Vec::new();
        if a.column != b.column {
            aspects.push(Aspect::Name);
        }
        let (old_type, new_type) = (StoredType::of(&a.ty), StoredType::of(&b.ty));
        match (&old_type, &new_type) {
            (StoredType::Enum(_), StoredType::Enum(_)) if old_type != new_type => {
                aspects.push(Aspect::Values)
            }
            _ if old_type != new_type => aspects.push(Aspect::Type),
            _ => {}
        }
        if a.nullable != b.nullable {
            aspects.push(Aspect::Nullability);
        }
        let default_sql = |field: &crate::ir::Field| {
            field
                .default
                .as_ref()
                .map(|d| Dialect::Postgres.default_sql(field, d))
        };
        if default_sql(a) != default_sql(b) {
            aspects.push(Aspect::Default);
        }
        if (a.unique && !a.primary_key) != (b.unique && !b.primary_key) {
            aspects.push(Aspect::Unique);
        }
        if a.primary_key != b.primary_key || a.autoincrement != b.autoincrement {
            aspects.push(Aspect::Key);
        }
        let new_target = b.foreign_key.as_ref().map(|fk| {
            let column = new.models[fk.model].fields[fk.field].column.clone();
            (fk.model, column, fk.on_delete)
        });
        let old_target = a
            .foreign_key
            .as_ref()
            .map(|fk| old_target_in_new(old, new, model_matches, fk));
        if old_target != new_target.map(Some) {
            aspects.push(Aspect::ForeignKey);
        }
        if !aspects.is_empty() {
            diff.changed.push(ColumnChange {
                old: old_field,
                new: new_field,
                aspects,
            });
        }
    }
    // Indexes and checks compare by name and by what they say, with old
    // columns named as the new schema names them.
    let renamed_model = renamed_columns(old_model, new_model, &diff);
    let index_shape = |model: &Model, index: &crate::ir::Index| {
        let columns: Vec<&str> = index
            .columns
            .iter()
            .map(|&c| model.fields[c].column.as_str())
            .collect();
        (index.name.clone(), columns.join(","), index.unique)
    };
    let old_indexes: Vec<_> = old_model
        .indexes
        .iter()
        .map(|i| index_shape(&renamed_model, i))
        .collect();
    let new_indexes: Vec<_> = new_model
        .indexes
        .iter()
        .map(|i| index_shape(new_model, i))
        .collect();
    diff.indexes_added = (0..new_indexes.len())
        .filter(|&i| !old_indexes.contains(&new_indexes[i]))
        .collect();
    diff.indexes_dropped = (0..old_indexes.len())
        .filter(|&i| !new_indexes.contains(&old_indexes[i]))
        .collect();
    let check_shape = |model: &Model, check: &crate::ir::Check| {
        (
            check.name.clone(),
            Dialect::Postgres.check_sql(model, &check.expr),
        )
    };
    let old_checks: Vec<_> = old_model
        .checks
        .iter()
        .map(|c| check_shape(&renamed_model, c))
        .collect();
    let new_checks: Vec<_> = new_model
        .checks
        .iter()
        .map(|c| check_shape(new_model, c))
        .collect();
    diff.checks_added = (0..new_checks.len())
        .filter(|&i| !old_checks.contains(&new_checks[i]))
        .collect();
    diff.checks_dropped = (0..old_checks.len())
        .filter(|&i| !new_checks.contains(&old_checks[i]))
        .collect();
    diff
}

/// An old reference as the new schema would spell it: the parent's new
/// model and column name (a renamed parent is the same parent), or `None`
/// when the parent or its column is gone.
fn old_target_in_new(
    old: &Schema,
    new: &Schema,
    model_matches: &[Option<usize>],
    fk: &crate::ir::ForeignKey,
) -> Option<(usize, String, crate::ir::OnDelete)> {
    let new_parent = model_matches.iter().position(|m| *m == Some(fk.model))?;
    let columns = match_fields(&old.models[fk.model], &new.models[new_parent]);
    let new_column = columns.iter().position(|m| *m == Some(fk.field))?;
    let column = new.models[new_parent].fields[new_column].column.clone();
    Some((new_parent, column, fk.on_delete))
}

/// `old_model` with its kept columns under their new names, so indexes
/// and checks that only follow a rename compare equal.
fn renamed_columns(old_model: &Model, new_model: &Model, diff: &TableDiff) -> Model {
    let mut model = old_model.clone();
    for &(old_field, new_field) in &diff.kept {
        model.fields[old_field].column = new_model.fields[new_field].column.clone();
    }
    model
}
