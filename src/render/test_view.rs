//! Stage 3 (render): views for the generated crate's own tests. They hold
//! the sample values each field gets, and what each scenario expects, as
//! Rust expressions; the test templates only place them.

use crate::ddl::{field_constraint_name, FieldConstraint};
use crate::dialect::format_float;
use crate::ir::{DefaultValue, ExampleValue, Field, FieldType, Model, OnDelete, Schema};
use crate::naming::{join_ident, unraw};
use crate::render::view::rust_str;
use crate::sample::Sample;
use crate::validate::finder_name;

/// What a test module of one model needs.
#[derive(Debug, Clone)]
pub struct ModelTestView {
    pub name: String,
    pub module: String,
    /// File stem of the test module (the module without `r#`).
    pub file_stem: String,
    pub seed_fn: String,
    pub new_seed_fn: String,
    pub table_literal: String,
    /// The table's name as SQL spells it, as a Rust string literal.
    pub table_sql_literal: String,
    pub pk_arg: String,
    /// `last` (an `Option` of the key, owned) as `list_page` takes it.
    pub page_after_arg: String,
    /// The key of `row`, owned.
    pub page_last_key: String,
    /// `new`'s arguments from a seed named `seed`, and the insert value it
    /// must give, field by field.
    pub constructor_args: Vec<String>,
    pub constructor_expected: Vec<String>,
    pub has_update: bool,
    pub has_upsert: bool,
    /// A non-key field to change in the update test and how.
    pub update_change: Option<(String, String)>,
    /// The same field for the patch tests: its name, its new value, and
    /// how to take it owned from a row named `inserted` or `changed`.
    pub patch_case: Option<PatchCase>,
    pub field_checks: Vec<FieldCheck>,
    pub defaults: Vec<DefaultCheck>,
    pub dangling: Vec<DanglingCase>,
    pub duplicates: Vec<DuplicateCase>,
    pub enums: Vec<EnumCase>,
    pub deletions: Vec<DeletionCase>,
    pub indexes: Vec<IndexCase>,
    pub finders: Vec<FinderCase>,
    pub relations: Vec<RelationCase>,
    pub timestamps: Vec<TimestampCase>,
    /// Values refused before anything is stored, one per case.
    pub refusals: Vec<ValueCases>,
    /// Values at the edges of what is stored, each read back equal.
    pub edges: Vec<ValueCases>,
    /// The model's insert type, `NewClip`.
    pub new_type: String,
    pub pk_field: String,
    /// Whether the database assigns the key.
    pub pk_generated: bool,
    /// Whether a row `insert_many` stores differs by nature from the same
    /// row `insert` stores: a key the database numbers, or `now`.
    pub insert_many_differs: bool,
    /// The key of the row `inserted`, as the insert struct takes it.
    pub pk_copy: String,
}

#[derive(Debug, Clone)]
pub struct TimestampCase {
    pub test_name: String,
    pub field: String,
    pub column_literal: String,
    pub nullable: bool,
}

/// Values given to one field, each in a row of its own.
#[derive(Debug, Clone)]
pub struct ValueCases {
    pub field: String,
    pub column_literal: String,
    /// A call of a helper of `tests/models/common.rs` that returns an
    /// array of the values, of the field's plain type.
    pub values: String,
    /// Whether the helper pairs each value with what it reads back as,
    /// where that is not the value itself.
    pub read_back: bool,
    /// `value` as the insert struct takes it.
    pub new_value: String,
    /// `value` as the row type holds it.
    pub row_value: String,
    /// `new_value` and `row_value` leaving `value` usable after them.
    pub new_value_kept: String,
    pub row_value_kept: String,
}

#[derive(Debug, Clone)]
pub struct PatchCase {
    pub field: String,
    pub value: String,
    pub from_inserted: String,
    pub from_changed: String,
    /// `, ..Default::default()` where the patch has other fields to fill.
    pub rest: &'static str,
}

/// `assert_eq!` of an inserted field against the value it was given.
#[derive(Debug, Clone)]
pub struct FieldCheck {
    pub stored: String,
    pub given: String,
}

#[derive(Debug, Clone)]
pub struct DefaultCheck {
    pub field: String,
    /// The assertion on `inserted`; `None` for `now`, checked against the
    /// clock instead.
    pub assertion: Option<String>,
    pub nullable: bool,
}

#[derive(Debug, Clone)]
pub struct DanglingCase {
    pub test_name: String,
    pub field: String,
    pub value: String,
    /// The arguments of `assert_violation` after the error.
    pub violation: String,
}

#[derive(Debug, Clone)]
pub struct DuplicateCase {
    pub test_name: String,
    pub field: String,
    pub copy: String,
    pub violation: String,
}

#[derive(Debug, Clone)]
pub struct EnumCase {
    pub test_name: String,
    pub unreadable_test_name: String,
    pub sql_literal: String,
    pub column_literal: String,
    /// The enum's check as PostgreSQL names it.
    pub check_literal: String,
}

#[derive(Debug, Clone)]
pub struct DeletionCase {
    /// For a refused delete, the arguments of `assert_violation`.
    pub violation: String,
    pub test_name: String,
    pub load_fn: String,
    pub nullable: bool,
    pub parent_module: String,
    pub parent_key: String,
    pub field: String,
    pub action: &'static str,
}

#[derive(Debug, Clone)]
pub struct IndexCase {
    pub test_name: String,
    pub name_literal: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FinderCase {
    pub name: String,
    pub test_name: String,
    pub returns_one: bool,
    /// Arguments built from a row named `first`.
    pub args: Vec<String>,
    /// Statements making `new` share `first`'s lookup values.
    pub share: Vec<String>,
    /// Statements making `new` differ from `first` in its lookup values;
    /// empty when no differing value exists (a one-value enum).
    pub differ: Vec<String>,
    pub descending: bool,
}

#[derive(Debug, Clone)]
pub struct RelationCase {
    pub load_fn: String,
    pub test_name: String,
    pub nullable: bool,
    pub parent_key_field: String,
    pub field: String,
}

/// The seed functions of one model: a fresh insert value with every field
/// set and its parents inserted.
#[derive(Debug, Clone)]
pub struct SeedView {
    pub new_fn: String,
    pub insert_fn: String,
    pub model: String,
    pub module: String,
    pub new_name: String,
    pub parents: Vec<(String, String)>,
    /// The seed number's parameter: `_n` when no value uses it.
    pub n_param: &'static str,
    /// The struct fields, each `field: value`, or `field` alone when the
    /// value is a variable of that name.
    pub inits: Vec<String>,
}

fn is_textual(ty: &FieldType) -> bool {
    matches!(ty, FieldType::String { .. } | FieldType::Text)
}

/// A non-null value of the field's type that differs from `place`'s,
/// made by a helper of `tests/models/common.rs`.
fn different_value(krate: &str, field: &Field, place: &str) -> Option<String> {
    Some(match &field.ty {
        FieldType::Enum(enum_type) => {
            let other = enum_type.variants.get(1)?;
            let first = &enum_type.variants[0];
            format!(
                "crate::common::other_value({place}, {krate}::{0}::{1}, {krate}::{0}::{2})",
                enum_type.rust_name, first.rust_name, other.rust_name
            )
        }
        _ => format!("crate::common::different(&{place})"),
    })
}

/// The helper of `tests/models/common.rs` giving values of the type that
/// neither engine can store faithfully, if there are any.
fn unstorable_values(ty: &FieldType) -> Option<String> {
    Some(
        match ty {
            FieldType::String { .. } | FieldType::Text => "unstorable_texts()",
            FieldType::Float => "unstorable_floats()",
            FieldType::DateTime => "unstorable_datetimes()",
            FieldType::Json => "unstorable_json()",
            FieldType::Int | FieldType::Bool | FieldType::Enum(_) => return None,
        }
        .to_owned(),
    )
}

/// The helper of `tests/models/common.rs` giving values of the type at the
/// edges of what both engines store, and whether it pairs each with the
/// value it reads back as.
fn edge_values(ty: &FieldType) -> Option<(String, bool)> {
    Some(match ty {
        FieldType::String { max_len } => {
            let max = max_len.map_or("usize::MAX".to_owned(), |n| n.to_string());
            (format!("edge_texts({max})"), false)
        }
        FieldType::Text => ("edge_texts(usize::MAX)".to_owned(), false),
        FieldType::Float => ("edge_floats()".to_owned(), false),
        // Stored to the millisecond on both engines.
        FieldType::DateTime => ("edge_datetimes()".to_owned(), true),
        FieldType::Json => ("edge_json()".to_owned(), false),
        FieldType::Int | FieldType::Bool | FieldType::Enum(_) => return None,
    })
}

/// The fields some check of the model reads.
fn checked_columns(model: &Model) -> Vec<usize> {
    model
        .checks
        .iter()
        .flat_map(|check| check.expr.columns())
        .collect()
}

/// The refusal and edge cases of a model's fields. A field some check
/// reads gets no edge values: the check may refuse them.
fn value_cases(model: &Model) -> (Vec<ValueCases>, Vec<ValueCases>) {
    let checked = checked_columns(model);
    let mut refusals = Vec::new();
    let mut edges = Vec::new();
    for (index, field) in model.fields.iter().enumerate() {
        if field.is_generated() {
            continue;
        }
        let kept = match field.ty {
            FieldType::String { .. } | FieldType::Text | FieldType::Json => "value.clone()",
            _ => "value",
        };
        let wrap_row = |value: &str| {
            if field.nullable {
                format!("Some({value})")
            } else {
                value.to_owned()
            }
        };
        let cases = |values: String, read_back| ValueCases {
            field: field.rust_name.clone(),
            column_literal: rust_str(&field.column),
            values: format!("crate::common::{values}"),
            read_back,
            new_value: wrap_new(field, "value".to_owned()),
            row_value: wrap_row("value"),
            new_value_kept: wrap_new(field, kept.to_owned()),
            row_value_kept: wrap_row(kept),
        };
        if let Some(unstorable) = unstorable_values(&field.ty) {
            refusals.push(cases(unstorable, false));
        }
        let Some((edge, read_back)) = edge_values(&field.ty) else {
            continue;
        };
        if field.foreign_key.is_some() || checked.contains(&index) {
            continue;
        }
        edges.push(cases(edge, read_back));
    }
    (refusals, edges)
}

fn wrap_new(field: &Field, expr: String) -> String {
    if field.nullable || field.default.is_some() {
        format!("Some({expr})")
    } else {
        expr
    }
}

/// An argument of the field's parameter type taken from `row.field`.
fn arg_from(field: &Field, row: &str) -> String {
    let place = format!("{row}.{}", field.rust_name);
    match (field.nullable, &field.ty) {
        (false, ty) if is_textual(ty) => format!("&{place}"),
        (false, FieldType::Json) => format!("&{place}"),
        (false, _) => place,
        (true, ty) if is_textual(ty) => format!("{place}.as_deref().unwrap()"),
        (true, FieldType::Json) => format!("{place}.as_ref().unwrap()"),
        (true, _) => format!("{place}.unwrap()"),
    }
}

/// The value of a non-null `row.field` as the insert struct takes it.
fn copy_into_new(field: &Field, row: &str) -> String {
    let place = format!("{row}.{}", field.rust_name);
    let value = if matches!(
        field.ty,
        FieldType::Int
            | FieldType::Float
            | FieldType::Bool
            | FieldType::DateTime
            | FieldType::Enum(_)
    ) {
        place
    } else {
        format!("{place}.clone()")
    };
    if field.nullable {
        value
    } else {
        wrap_new(field, value)
    }
}

fn default_expected(krate: &str, field: &Field, default: &DefaultValue) -> Option<String> {
    let value = match default {
        DefaultValue::Now => return None,
        DefaultValue::Int(n) => n.to_string(),
        DefaultValue::Float(f) => format_float(*f),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::String(s) => rust_str(s),
        DefaultValue::EnumVariant(i) => match &field.ty {
            FieldType::Enum(e) => format!("{krate}::{}::{}", e.rust_name, e.variants[*i].rust_name),
            _ => unreachable!("validate gives enum defaults only to enum fields"),
        },
    };
    Some(match (field.nullable, default) {
        // `Option<String>` does not compare with `Option<&str>`.
        (true, DefaultValue::String(_)) => format!("Some({value}.to_owned())"),
        (true, _) => format!("Some({value})"),
        (false, _) => value,
    })
}

/// The names of a model's seed functions: the one that makes an insert
/// value (`new_clip`) and the one that inserts it (`insert_clip`).
fn seed_fns(model: &Model) -> (String, String) {
    let stem = heck::ToSnakeCase::to_snake_case(model.name.as_str());
    (join_ident(&["new", &stem]), join_ident(&["insert", &stem]))
}

pub(super) fn seed_view(krate: &str, schema: &Schema, model_index: usize) -> SeedView {
    let model = &schema.models[model_index];
    let (new_fn, insert_fn) = seed_fns(model);
    let mut parents = Vec::new();
    let mut inits = Vec::new();
    let mut uses_n = false;
    for (position, field) in model.fields.iter().enumerate() {
        if field.is_generated() {
            continue;
        }
        let value = match &field.foreign_key {
            Some(fk) if fk.model != model_index => {
                let parent = &schema.models[fk.model];
                let var = format!("parent_{}", unraw(&fk.relation));
                parents.push((var.clone(), seed_fns(parent).1));
                let target = &parent.fields[fk.field];
                let place = format!("{var}.{}", target.rust_name);
                let value = if is_textual(&target.ty) {
                    format!("{place}.clone()")
                } else {
                    place
                };
                wrap_new(field, value)
            }
            // A row cannot point at itself before it exists.
            Some(_) => "None".to_owned(),
            None => {
                let sample = Sample::of(model, position);
                match sample {
                    // A null example names no `n`, even where it varies.
                    Sample::Example {
                        value: ExampleValue::Null,
                        ..
                    } => "None".to_owned(),
                    _ => {
                        uses_n |= sample.uses_n();
                        wrap_new(field, sample.rust(krate, field))
                    }
                }
            }
        };
        inits.push(if value == field.rust_name {
            value
        } else {
            format!("{}: {value}", field.rust_name)
        });
    }
    SeedView {
        new_fn,
        insert_fn,
        model: model.name.clone(),
        module: model.module.clone(),
        new_name: format!("New{}", model.name),
        parents,
        n_param: if uses_n { "n" } else { "_n" },
        inits,
    }
}

/// The arguments of the generated tests' `assert_violation` after the
/// error: kind, table, columns and constraint name.
fn violation_args(krate: &str, kind: &str, model: &Model, columns: &[&str], name: &str) -> String {
    let columns: Vec<String> = columns.iter().map(|column| rust_str(column)).collect();
    format!(
        "{krate}::ConstraintKind::{kind}, {}, &[{}], {}",
        rust_str(&model.table),
        columns.join(", "),
        rust_str(name)
    )
}

/// The test view of one model.
pub fn model_test_view(krate: &str, schema: &Schema, model_index: usize) -> ModelTestView {
    let model = &schema.models[model_index];
    let pk = model.primary_key();
    let (new_seed_fn, seed_fn) = seed_fns(model);
    // The fields some check reads: the tests make up no value for them.
    let checked = checked_columns(model);
    let field_checks = model
        .inserted_fields()
        .map(|f| {
            let stored = format!("inserted.{}", f.rust_name);
            let given = format!("new.{}", f.rust_name);
            if f.default.is_some() && !f.nullable {
                FieldCheck {
                    stored: format!("Some(&{stored})"),
                    given: format!("{given}.as_ref()"),
                }
            } else {
                FieldCheck { stored, given }
            }
        })
        .collect();
    let defaults = model
        .fields
        .iter()
        .filter_map(|f| {
            let default = f.default.as_ref()?;
            Some(DefaultCheck {
                field: f.rust_name.clone(),
                assertion: default_expected(krate, f, default).map(|expected| {
                    let place = format!("inserted.{}", f.rust_name);
                    match expected.as_str() {
                        "true" => format!("assert!({place});"),
                        "false" => format!("assert!(!{place});"),
                        _ => format!("assert_eq!({place}, {expected});"),
                    }
                }),
                nullable: f.nullable,
            })
        })
        .collect();
    let mut dangling = Vec::new();
    let mut deletions = Vec::new();
    let mut relations = Vec::new();
    for field in &model.fields {
        let Some(fk) = &field.foreign_key else {
            continue;
        };
        let parent = &schema.models[fk.model];
        let name = unraw(&field.rust_name);
        let missing = if is_textual(&field.ty) {
            "\"no such row\".to_owned()".to_owned()
        } else {
            "999_999_999".to_owned()
        };
        let foreign_key =
            field_constraint_name(&model.table, &field.column, FieldConstraint::ForeignKey);
        let violation = violation_args(krate, "ForeignKey", model, &[&field.column], &foreign_key);
        dangling.push(DanglingCase {
            test_name: format!("dangling_{name}_is_rejected_and_leaves_no_row"),
            field: field.rust_name.clone(),
            value: wrap_new(field, missing),
            violation: violation.clone(),
        });
        let load_fn = join_ident(&["load", &fk.relation]);
        let target = &parent.fields[fk.field];
        relations.push(RelationCase {
            test_name: format!("{}_returns_the_row_the_key_points_at", unraw(&load_fn)),
            load_fn: load_fn.clone(),
            nullable: field.nullable,
            parent_key_field: target.rust_name.clone(),
            field: field.rust_name.clone(),
        });
        if fk.model == model_index {
            continue;
        }
        let relation = unraw(&fk.relation);
        let (test_name, action) = match fk.on_delete {
            OnDelete::Cascade => (
                format!("deleting_the_{relation}_deletes_this_row"),
                "cascade",
            ),
            OnDelete::SetNull => (
                format!("deleting_the_{relation}_sets_{name}_to_null"),
                "set_null",
            ),
            OnDelete::Restrict | OnDelete::NoAction => (
                format!("deleting_the_{relation}_is_refused_while_this_row_exists"),
                "refuse",
            ),
        };
        let parent_pk = parent.primary_key();
        let parent_key = if is_textual(&parent_pk.ty) {
            format!("&parent.{}", parent_pk.rust_name)
        } else {
            format!("parent.{}", parent_pk.rust_name)
        };
        deletions.push(DeletionCase {
            violation,
            test_name,
            load_fn,
            nullable: field.nullable,
            parent_module: parent.module.clone(),
            parent_key,
            field: field.rust_name.clone(),
            action,
        });
    }
    let duplicates = model
        .fields
        .iter()
        // Two NULLs are not duplicates: a field seeded NULL gets no test.
        .filter(|f| {
            (f.unique || f.primary_key)
                && !f.is_generated()
                && f.example != Some(ExampleValue::Null)
        })
        .map(|f| DuplicateCase {
            test_name: format!("duplicate_{}_is_rejected", unraw(&f.rust_name)),
            field: f.rust_name.clone(),
            copy: copy_into_new(f, "first"),
            violation: {
                let kind = if f.primary_key {
                    FieldConstraint::PrimaryKey
                } else {
                    FieldConstraint::Unique
                };
                let name = field_constraint_name(&model.table, &f.column, kind);
                violation_args(krate, "Unique", model, &[&f.column], &name)
            },
        })
        .collect();
    let enums = model
        .fields
        .iter()
        .filter(|f| matches!(f.ty, FieldType::Enum(_)))
        .map(|f| EnumCase {
            test_name: format!(
                "{}_outside_its_values_is_rejected_by_the_database",
                unraw(&f.rust_name)
            ),
            unreadable_test_name: format!(
                "{}_outside_its_values_is_read_as_an_error_naming_it",
                unraw(&f.rust_name)
            ),
            column_literal: rust_str(&f.column),
            check_literal: rust_str(&field_constraint_name(
                &model.table,
                &f.column,
                FieldConstraint::TypeCheck,
            )),
            sql_literal: rust_str(&format!(
                "UPDATE {} SET {} = 'not a value'",
                crate::naming::sql_ident(&model.table),
                crate::naming::sql_ident(&f.column)
            )),
        })
        .collect();
    let indexes = model
        .indexes
        .iter()
        .map(|index| IndexCase {
            test_name: format!(
                "index_{}_exists_with_its_columns_in_order",
                index.name.to_lowercase()
            ),
            name_literal: rust_str(&index.name),
            columns: index
                .columns
                .iter()
                .map(|&c| rust_str(&model.fields[c].column))
                .collect(),
        })
        .collect();
    let mut finders = Vec::new();
    // No finder looks rows up by NULL: a field seeded NULL gets no test.
    let seeded_null = |field: &Field| field.example == Some(ExampleValue::Null);
    for field in model
        .fields
        .iter()
        .filter(|f| f.unique && !f.primary_key && !seeded_null(f))
    {
        finders.push(FinderCase {
            test_name: format!("get_by_{}_finds_the_row", unraw(&field.rust_name)),
            name: join_ident(&["get_by", &field.rust_name]),
            returns_one: true,
            args: vec![arg_from(field, "first")],
            share: Vec::new(),
            differ: Vec::new(),
            descending: false,
        });
    }
    for index in &model.indexes {
        let lookup: Vec<&Field> = index
            .lookup_columns()
            .iter()
            .map(|&c| &model.fields[c])
            .collect();
        if lookup.iter().any(|field| seeded_null(field)) {
            continue;
        }
        let lookup_checked = index
            .lookup_columns()
            .iter()
            .any(|column| checked.contains(column));
        let shareable = !index.unique
            && lookup
                .iter()
                .all(|f| !f.unique && !f.primary_key && f.foreign_key.is_none());
        let share = if shareable {
            lookup
                .iter()
                .map(|f| format!("new.{} = {};", f.rust_name, copy_into_new(f, "first")))
                .collect()
        } else {
            Vec::new()
        };
        // A value made different may break a check that reads it.
        let differ = if shareable && !lookup_checked {
            let changes: Option<Vec<String>> = lookup
                .iter()
                .map(|f| {
                    let place = format!("first.{}", f.rust_name);
                    let value = if f.nullable {
                        "None".to_owned()
                    } else {
                        wrap_new(f, different_value(krate, f, &place)?)
                    };
                    Some(format!("other.{} = {value};", f.rust_name))
                })
                .collect();
            changes.unwrap_or_default()
        } else {
            Vec::new()
        };
        let name = finder_name(model, index);
        finders.push(FinderCase {
            test_name: format!("{}_finds_the_matching_rows", unraw(&name)),
            name,
            returns_one: index.unique,
            args: lookup.iter().map(|f| arg_from(f, "first")).collect(),
            share,
            differ,
            descending: index.descending,
        });
    }
    // The children finders of foreign keys an index does not already list.
    for field in &model.fields {
        let Some(fk) = &field.foreign_key else {
            continue;
        };
        let name = join_ident(&["list_by", &field.rust_name]);
        let by_index = model.indexes.iter().any(|i| finder_name(model, i) == name);
        // A row cannot point at itself in a seed: nothing to find.
        if field.primary_key || by_index || fk.model == model_index {
            continue;
        }
        finders.push(FinderCase {
            test_name: format!("{}_lists_the_rows_of_a_parent", unraw(&name)),
            name,
            returns_one: false,
            args: vec![arg_from(field, "first")],
            share: Vec::new(),
            differ: Vec::new(),
            descending: false,
        });
    }
    let timestamps = model
        .fields
        .iter()
        .enumerate()
        // A check reading the column may refuse `now` beside the seed's
        // other values; the trial proves only all defaults together.
        .filter(|(index, f)| f.default == Some(DefaultValue::Now) && !checked.contains(index))
        .map(|(_, f)| f)
        .map(|f| TimestampCase {
            test_name: format!(
                "{}_is_stored_alike_by_the_database_default_and_by_rust",
                unraw(&f.rust_name)
            ),
            field: f.rust_name.clone(),
            column_literal: rust_str(&f.column),
            nullable: f.nullable,
        })
        .collect();
    let update_change = model
        .fields
        .iter()
        .enumerate()
        .find(|(index, f)| {
            // A check reading the field may refuse the changed value; a
            // field seeded NULL is set to NULL, which changes nothing.
            !checked.contains(index)
                && f.example != Some(ExampleValue::Null)
                && !f.primary_key
                && f.foreign_key.is_none()
                && !f.unique
                && !matches!(f.ty, FieldType::Enum(_) | FieldType::Float)
        })
        .map(|(_, f)| {
            // From `inserted`, which `changed` copies: `x = x + 1` would
            // be a clippy finding in the generated tests.
            let place = format!("inserted.{}", f.rust_name);
            let value = if f.nullable {
                "None".to_owned()
            } else {
                different_value(krate, f, &place)
                    .expect("non-enum types always have a different value")
            };
            (f.rust_name.clone(), value)
        });
    let patch_case = update_change.as_ref().map(|(field, value)| {
        let ty = &model
            .fields
            .iter()
            .find(|f| &f.rust_name == field)
            .expect("a field")
            .ty;
        let take = |row: &str| match ty {
            FieldType::String { .. } | FieldType::Text | FieldType::Json => {
                format!("{row}.{field}.clone()")
            }
            _ => format!("{row}.{field}"),
        };
        PatchCase {
            field: field.clone(),
            value: value.clone(),
            from_inserted: take("inserted"),
            from_changed: take("changed"),
            rest: if model.fields.iter().filter(|f| !f.primary_key).count() > 1 {
                ", ..Default::default()"
            } else {
                ""
            },
        }
    });
    let (refusals, edges) = value_cases(model);
    let mut constructor_args = Vec::new();
    let mut constructor_expected = Vec::new();
    for field in model.inserted_fields() {
        let name = &field.rust_name;
        if field.nullable || field.default.is_some() {
            constructor_expected.push(format!("{name}: None"));
            continue;
        }
        let value = match field.ty {
            FieldType::String { .. } | FieldType::Text | FieldType::Json => {
                format!("seed.{name}.clone()")
            }
            _ => format!("seed.{name}"),
        };
        constructor_args.push(value.clone());
        constructor_expected.push(format!("{name}: {value}"));
    }
    let pk_arg = if is_textual(&pk.ty) {
        format!("&inserted.{}", pk.rust_name)
    } else {
        format!("inserted.{}", pk.rust_name)
    };
    ModelTestView {
        name: model.name.clone(),
        module: model.module.clone(),
        file_stem: unraw(&model.module).to_owned(),
        seed_fn,
        new_seed_fn,
        table_literal: rust_str(&model.table),
        table_sql_literal: rust_str(&crate::naming::sql_ident(&model.table)),
        pk_arg,
        page_after_arg: if is_textual(&pk.ty) {
            "last.as_deref()".to_owned()
        } else {
            "last".to_owned()
        },
        page_last_key: if is_textual(&pk.ty) {
            format!("row.{}.clone()", pk.rust_name)
        } else {
            format!("row.{}", pk.rust_name)
        },
        has_update: model.fields.iter().any(|f| !f.primary_key),
        patch_case,
        has_upsert: !pk.autoincrement && model.fields.iter().any(|f| !f.primary_key),
        update_change,
        field_checks,
        defaults,
        dangling,
        duplicates,
        enums,
        deletions,
        indexes,
        finders,
        relations,
        timestamps,
        refusals,
        edges,
        constructor_args,
        constructor_expected,
        new_type: format!("New{}", model.name),
        pk_field: pk.rust_name.clone(),
        pk_generated: pk.is_generated(),
        insert_many_differs: pk.is_generated()
            || model
                .fields
                .iter()
                .any(|f| f.default == Some(DefaultValue::Now)),
        pk_copy: copy_into_new(pk, "inserted"),
    }
}

/// The helpers of `tests/models/common.rs` the seeds call, so none is
/// generated unused: `unique` for parents, `text` and `at` for sample
/// strings and datetimes.
pub fn common_imports(schema: &Schema) -> Vec<&'static str> {
    let samples: Vec<Sample> = schema
        .models
        .iter()
        .flat_map(|model| {
            (0..model.fields.len())
                .filter(|&i| {
                    !model.fields[i].is_generated() && model.fields[i].foreign_key.is_none()
                })
                .map(|i| Sample::of(model, i))
        })
        .collect();
    let mut imports = Vec::new();
    if samples.iter().any(|s| matches!(s, Sample::Instant { .. })) {
        imports.push("at");
    }
    if samples.iter().any(|s| matches!(s, Sample::Text { .. })) {
        imports.push("text");
    }
    let has_parents = schema.models.iter().enumerate().any(|(index, model)| {
        model
            .fields
            .iter()
            .any(|f| f.foreign_key.as_ref().is_some_and(|fk| fk.model != index))
    });
    if has_parents {
        imports.push("unique");
    }
    imports
}
