//! Stage 2, validate: takes the raw [`SchemaDef`] and gives the resolved
//! [`Schema`] (the IR), or every [`SchemaError`] found. It runs in passes
//! over the models: names and fields of each model alone, then foreign keys
//! (which need every table), then finder names and table creation order.
//! Nothing after this stage checks input again.

mod check_expr;
mod example;
mod keys;
mod namespaces;
mod problem;
pub mod trial;

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{
    Check, DefaultValue, EnumType, EnumVariant, Field, FieldType, ForeignKey, Index, Model,
    OnDelete, Schema,
};
use crate::load::{FieldDef, ModelDef, SchemaDef};
use crate::naming::{self, NameProblem};
use crate::source_map::YamlPath;

pub use problem::{describe_name_problem, NameKind, Problem, SchemaError};

use check_expr::{parse_check, CheckExprError};

/// The type names the schema format knows, for suggestions.
const TYPE_NAMES: &[&str] = &[
    "int", "float", "string", "text", "bool", "datetime", "json", "enum",
];
const ON_DELETE_NAMES: &[&str] = &["cascade", "set_null", "restrict", "no_action"];

/// Largest `string(n)`: PostgreSQL's VARCHAR limit.
const MAX_STRING_LEN: u32 = 10_485_760;

/// Checks `def` and resolves it into a [`Schema`]; `source_name` is the
/// schema's file name, for headers. Reports all mistakes, not the first.
pub fn validate_schema(def: &SchemaDef, source_name: &str) -> Result<Schema, Vec<SchemaError>> {
    validate_schema_beside(def, source_name, |_| ()).map(|(schema, ())| schema)
}

/// [`validate_schema`], with `work` done on the resolved schema while its
/// last check, the trial of its seed rows (a tenth to a half of
/// validating), runs on another thread. `work`'s result is given only with
/// a schema the trial accepts: rendering starts before the trial ends, and
/// nothing it renders is used unless the schema is accepted.
pub fn validate_schema_beside<T>(
    def: &SchemaDef,
    source_name: &str,
    work: impl FnOnce(&Schema) -> T,
) -> Result<(Schema, T), Vec<SchemaError>> {
    let mut validator = Validator::default();
    for unknown in &def.unknown_keys {
        validator.unknown_key(unknown);
    }
    for error in &def.shape_errors {
        validator.shape_error(error);
    }
    // A model the loader left part of out may look wrong only for that;
    // its other findings wait until the shape is fixed.
    let damaged: BTreeSet<String> = def
        .shape_errors
        .iter()
        .filter_map(|error| {
            keys::model_and_field(&error.path.key("_"))
                .0
                .map(str::to_owned)
        })
        .collect();
    let models_path = YamlPath::root().key("models");
    if def.models.is_empty() {
        validator.push(Problem::NoModels, models_path.clone(), true, None, None);
    }

    let crate_ok = def.crate_name.starts_with(|c: char| c.is_ascii_lowercase())
        && def
            .crate_name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    // Users name the crate in Rust as `pipeline_db`: that must not be a
    // keyword or a crate the generated code itself uses.
    let crate_ident = def.crate_name.replace('-', "_");
    let crate_reason = if !crate_ok {
        Some("a package name is lower-case ASCII letters, digits, `-` and `_`, starting with a letter".to_owned())
    } else if naming::is_rust_keyword(&crate_ident) {
        Some(format!(
            "`{crate_ident}` is a Rust keyword, which no crate can be named"
        ))
    } else if naming::RESERVED_CRATE_NAMES.contains(&crate_ident.as_str()) {
        Some(format!(
            "`{crate_ident}` is the name of a crate the generated code uses"
        ))
    } else {
        None
    };
    if let Some(reason) = crate_reason {
        let problem = Problem::BadName {
            kind: NameKind::Crate,
            name: def.crate_name.clone(),
            reason,
        };
        validator.push(problem, YamlPath::root().key("crate"), false, None, None);
    }

    // Pass 1: each model on its own.
    let mut occurrences: BTreeMap<&str, usize> = BTreeMap::new();
    let mut models = Vec::new();
    let mut pending_references = Vec::new();
    for (name, model_def) in def.models.iter() {
        let occurrence = occurrences.entry(name).or_default();
        let path = models_path.key(name).nth(*occurrence);
        *occurrence += 1;
        let (model, references) = validator.model(name, model_def, &path);
        pending_references.push(references);
        models.push(model);
    }
    validator.unique_model_names(&models);

    // Pass 2: foreign keys, now that every table is known.
    // Each table to the first model with it: references resolve by lookup,
    // not by a scan of every model (a 10,000-model schema has 10,000).
    let mut tables: BTreeMap<String, usize> = BTreeMap::new();
    for (index, model) in models.iter().enumerate() {
        tables.entry(model.table.clone()).or_insert(index);
    }
    for (model_index, references) in pending_references.into_iter().enumerate() {
        for reference in references {
            validator.foreign_key(&mut models, &tables, model_index, reference);
        }
    }

    // Pass 3: what depends on resolved keys.
    for (index, model) in models.iter().enumerate() {
        validator.unique_finders(index, model);
    }
    let creation_order = validator.creation_order(&models);

    if validator.errors.is_empty() {
        let schema = Schema {
            source_name: source_name.to_owned(),
            crate_name: def.crate_name.clone(),
            models,
            creation_order,
        };
        // Accepted means the generated tests' rows pass the checks too.
        let (refusals, done) = std::thread::scope(|scope| {
            let trial = scope.spawn(|| trial::run(&schema));
            let done = work(&schema);
            (trial.join().expect("the trial does not panic"), done)
        });
        if refusals.is_empty() {
            return Ok((schema, done));
        }
        for refusal in &refusals {
            validator.refused(&schema, refusal);
        }
        Err(validator.errors)
    } else {
        let mut errors = validator.errors;
        errors.retain(|error| {
            let from_loader = matches!(
                error.problem,
                Problem::MissingKey { .. }
                    | Problem::WrongType { .. }
                    | Problem::UnknownKey { .. }
                    | Problem::MisindentedKey { .. }
            );
            // Left-out models also make these appear elsewhere.
            let follows_damage = !damaged.is_empty()
                && matches!(
                    error.problem,
                    Problem::NoModels | Problem::UnknownTable { .. }
                );
            let in_damaged = error.model.as_ref().is_some_and(|m| damaged.contains(m));
            from_loader || !(follows_damage || in_damaged)
        });
        Err(errors)
    }
}

/// A YAML value as the user wrote it, for a message: a string bare, any
/// other value in YAML.
fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// A foreign key as written, waiting for pass 2.
struct PendingReference {
    field: usize,
    target: String,
    on_delete: Option<String>,
    relation: Option<String>,
    path: YamlPath,
}

/// Where a model stands in the file, to point errors found later at it.
struct ModelOrigin {
    path: YamlPath,
}

#[derive(Default)]
struct Validator {
    errors: Vec<SchemaError>,
    origins: Vec<ModelOrigin>,
    /// Every name the DDL of the models so far puts in each engine.
    namespaces: namespaces::Namespaces,
}

impl Validator {
    fn push(
        &mut self,
        problem: Problem,
        path: YamlPath,
        at_key: bool,
        model: Option<&str>,
        field: Option<&str>,
    ) {
        self.errors.push(SchemaError {
            problem,
            path,
            at_key,
            model: model.map(str::to_owned),
            field: field.map(str::to_owned),
            first: None,
        });
    }

    /// Records the error just pushed as repeating the name given at `first`.
    fn first_given_at(&mut self, first: &YamlPath) {
        if let Some(error) = self.errors.last_mut() {
            error.first = Some(first.clone());
        }
    }

    fn bad_name(
        &mut self,
        kind: NameKind,
        name: &str,
        problem: &NameProblem,
        path: YamlPath,
        at_key: bool,
        model: Option<&str>,
    ) {
        let reason = describe_name_problem(problem);
        let field = (kind == NameKind::Field).then_some(name);
        self.push(
            Problem::BadName {
                kind,
                name: name.to_owned(),
                reason,
            },
            path,
            at_key,
            model,
            field,
        );
    }

    /// Refuses control characters in free text: any but a line feed in a
    /// doc (a CR ends a PostgreSQL `--` comment; rustc refuses a bare CR in
    /// a doc comment; a NUL cuts SQLite's DDL), and a NUL in a value
    /// (PostgreSQL cannot store one in text).
    fn free_text(
        &mut self,
        what: &'static str,
        text: Option<&str>,
        path: YamlPath,
        model: Option<&str>,
        field: Option<&str>,
    ) {
        let Some(text) = text else { return };
        // A doc keeps its line feeds; a value only has to be storable.
        let allowed = |c: char| match what {
            "doc" => c == '\n',
            _ => c != '\0',
        };
        let bad = text
            .chars()
            .find(|&c| (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) && !allowed(c));
        if let Some(c) = bad {
            let problem = Problem::ControlCharacter {
                what,
                character: format!("U+{:04X}", u32::from(c)),
            };
            self.push(problem, path, false, model, field);
        }
    }

    /// Pass 1 for one model: the model as far as it is usable (its errors
    /// recorded) and its foreign keys still to resolve.
    fn model(
        &mut self,
        name: &str,
        def: &ModelDef,
        path: &YamlPath,
    ) -> (Model, Vec<PendingReference>) {
        let model_name = Some(name);
        match naming::rust_type_ident(name) {
            Ok(_) if !name.starts_with(|c: char| c.is_ascii_uppercase()) => {
                self.push(
                    Problem::BadName {
                        kind: NameKind::Model,
                        name: name.to_owned(),
                        reason: "it does not start with an upper-case letter".into(),
                    },
                    path.clone(),
                    true,
                    None,
                    None,
                );
            }
            Ok(_) => {}
            Err(problem) => {
                self.bad_name(NameKind::Model, name, &problem, path.clone(), true, None);
            }
        }
        if naming::RESERVED_TYPE_NAMES.contains(&name) {
            self.push(
                Problem::ReservedName {
                    name: name.to_owned(),
                },
                path.clone(),
                true,
                model_name,
                None,
            );
        }
        self.free_text("doc", def.doc.as_deref(), path.key("doc"), model_name, None);
        let table_path = path.key("table");
        let module = match naming::rust_value_ident(&def.table) {
            Ok(module) => {
                if naming::RESERVED_MODULE_NAMES.contains(&naming::unraw(&module)) {
                    self.push(
                        Problem::ReservedName {
                            name: def.table.clone(),
                        },
                        table_path.clone(),
                        false,
                        model_name,
                        None,
                    );
                }
                module
            }
            Err(problem) => {
                self.bad_name(
                    NameKind::Table,
                    &def.table,
                    &problem,
                    table_path,
                    false,
                    model_name,
                );
                "invalid".to_owned()
            }
        };

        let fields_path = path.key("fields");
        if def.fields.is_empty() {
            self.push(
                Problem::NoFields,
                fields_path.clone(),
                true,
                model_name,
                None,
            );
        }
        let mut fields = Vec::new();
        let mut references = Vec::new();
        let mut rust_names: BTreeMap<String, (String, YamlPath)> = BTreeMap::new();
        let mut occurrences: BTreeMap<&str, usize> = BTreeMap::new();
        for (field_name, field_def) in def.fields.iter() {
            let occurrence = occurrences.entry(field_name).or_default();
            let field_path = fields_path.key(field_name).nth(*occurrence);
            *occurrence += 1;
            let Some(field) = self.field(name, field_name, field_def, &field_path) else {
                continue;
            };
            let seen_as = rust_names.entry(naming::unraw(&field.rust_name).to_owned());
            if let std::collections::btree_map::Entry::Occupied(first) = &seen_as {
                let (first_name, first_path) = first.get();
                self.push(
                    Problem::Duplicate {
                        kind: NameKind::Field,
                        name: field_name.clone(),
                        first: first_name.clone(),
                    },
                    field_path.clone(),
                    true,
                    model_name,
                    Some(field_name),
                );
                self.first_given_at(first_path);
                continue;
            }
            seen_as.or_insert_with(|| (field_name.clone(), field_path.clone()));
            if let Some(target) = &field_def.references {
                references.push(PendingReference {
                    field: fields.len(),
                    target: target.clone(),
                    on_delete: field_def.on_delete.clone(),
                    relation: field_def.relation.clone(),
                    path: field_path.clone(),
                });
            } else {
                if field_def.on_delete.is_some() {
                    let at = field_path.key("on_delete");
                    self.push(
                        Problem::OnDeleteWithoutReference,
                        at,
                        true,
                        model_name,
                        Some(field_name),
                    );
                }
                if field_def.relation.is_some() {
                    let at = field_path.key("relation");
                    self.push(
                        Problem::RelationWithoutReference,
                        at,
                        true,
                        model_name,
                        Some(field_name),
                    );
                }
            }
            fields.push(field);
        }

        let primary_keys: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, field)| field.primary_key)
            .map(|(index, _)| index)
            .collect();
        let primary_key = match primary_keys.as_slice() {
            [] => {
                if !def.fields.is_empty() {
                    self.push(
                        Problem::MissingPrimaryKey,
                        path.clone(),
                        true,
                        model_name,
                        None,
                    );
                }
                0
            }
            [only] => *only,
            [first, second, ..] => {
                let second_name = fields[*second].column.clone();
                self.push(
                    Problem::SeveralPrimaryKeys {
                        first: fields[*first].column.clone(),
                        second: second_name.clone(),
                    },
                    fields_path.key(&second_name),
                    true,
                    model_name,
                    Some(&second_name),
                );
                *first
            }
        };

        let (indexes, index_positions) = self.indexes(name, def, &fields, path);
        let (checks, check_positions) = self.checks(name, &def.table, def, &fields, path);
        self.origins.push(ModelOrigin { path: path.clone() });
        let model = Model {
            name: name.to_owned(),
            table: def.table.clone(),
            module,
            doc: def.doc.clone(),
            fields,
            primary_key,
            indexes,
            checks,
            renamed_from: def.renamed_from.clone(),
        };
        if !model.fields.is_empty() {
            let referencing: Vec<usize> = references.iter().map(|r| r.field).collect();
            let positions = (&index_positions[..], &check_positions[..], &referencing[..]);
            self.claim_names(&model, path, positions);
        }
        (model, references)
    }

    /// Claims the names `model` puts into each engine's namespaces; reports
    /// a name taken twice (naming both objects) or kept by an engine.
    fn claim_names(
        &mut self,
        model: &Model,
        path: &YamlPath,
        (index_positions, check_positions, referencing): (&[usize], &[usize], &[usize]),
    ) {
        let (collisions, reserved) =
            self.namespaces
                .claim_model(model, path, index_positions, check_positions, referencing);
        let model_name = Some(model.name.as_str());
        for collision in collisions {
            let claim = collision.second;
            let problem = Problem::NameTaken {
                name: claim.name,
                what: claim.what,
                first: collision.first_what,
            };
            self.push(problem, claim.path, claim.at_key, model_name, None);
        }
        for reserved in reserved {
            let claim = reserved.claim;
            let problem = Problem::EngineReservedName {
                name: claim.name,
                what: claim.what,
                prefix: reserved.prefix,
                engine: reserved.engine,
            };
            self.push(problem, claim.path, claim.at_key, model_name, None);
        }
    }

    /// Pass 1 for one field: name, type, flags and default.
    fn field(&mut self, model: &str, name: &str, def: &FieldDef, path: &YamlPath) -> Option<Field> {
        let here = (Some(model), Some(name));
        let rust_name = match naming::rust_value_ident(name) {
            Ok(rust_name) => rust_name,
            Err(problem) => {
                self.bad_name(NameKind::Field, name, &problem, path.clone(), true, here.0);
                return None;
            }
        };
        self.free_text("doc", def.doc.as_deref(), path.key("doc"), here.0, here.1);
        let type_path = path.key("type");
        let ty = self.field_type(model, name, def, &type_path);

        if def.primary_key && def.nullable {
            self.push(
                Problem::NullablePrimaryKey,
                path.key("nullable"),
                true,
                here.0,
                here.1,
            );
        }
        if let Some(ty) = &ty {
            if def.primary_key
                && matches!(
                    ty,
                    FieldType::Float | FieldType::Bool | FieldType::Json | FieldType::DateTime
                )
            {
                self.push(
                    Problem::PrimaryKeyType {
                        ty: ty.schema_name(),
                    },
                    type_path.clone(),
                    false,
                    here.0,
                    here.1,
                );
            }
        }
        if def.autoincrement {
            let at = path.key("autoincrement");
            if !def.primary_key {
                self.push(
                    Problem::AutoincrementNotPrimaryKey,
                    at.clone(),
                    true,
                    here.0,
                    here.1,
                );
            }
            if let Some(ty) = ty.as_ref().filter(|ty| **ty != FieldType::Int) {
                self.push(
                    Problem::AutoincrementNotInt {
                        ty: ty.schema_name(),
                    },
                    at,
                    true,
                    here.0,
                    here.1,
                );
            }
        }

        let default = match (&def.default, &ty) {
            (Some(value), Some(ty)) => self.default_value(value, ty, def, path, here),
            _ => None,
        };
        let example = match (&def.example, &ty) {
            (Some(value), Some(ty)) => self.example_value(value, ty, def, path, here),
            _ => None,
        };
        if def.unique {
            let values = match &ty {
                Some(FieldType::Bool) => Some(2),
                Some(FieldType::Enum(enum_type)) => Some(enum_type.variants.len()),
                _ => None,
            };
            if let Some(values) = values {
                let unique_path = path.key("unique");
                let ty = ty.as_ref().map(FieldType::schema_name).unwrap_or_default();
                let problem = Problem::UniqueFewValues { ty, values };
                self.push(problem, unique_path, true, here.0, here.1);
            }
        }
        Some(Field {
            column: name.to_owned(),
            rust_name,
            ty: ty.unwrap_or(FieldType::Text),
            nullable: def.nullable,
            default,
            example,
            primary_key: def.primary_key,
            autoincrement: def.autoincrement,
            unique: def.unique,
            foreign_key: None,
            doc: def.doc.clone(),
            renamed_from: def.renamed_from.clone(),
        })
    }

    /// Parses the `type` string (and `values` for enums).
    fn field_type(
        &mut self,
        model: &str,
        name: &str,
        def: &FieldDef,
        path: &YamlPath,
    ) -> Option<FieldType> {
        let here = (Some(model), Some(name));
        let spelled = def.ty.trim();
        let (base, argument) = match spelled.split_once('(') {
            Some((base, rest)) => (base.trim(), Some(rest.strip_suffix(')').unwrap_or(rest))),
            None => (spelled, None),
        };
        let ty = match (base, argument) {
            ("string", Some(length)) => match length.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_STRING_LEN).contains(&n) && spelled.ends_with(')') => {
                    FieldType::String { max_len: Some(n) }
                }
                _ => {
                    let problem = Problem::BadStringLength {
                        ty: spelled.to_owned(),
                    };
                    self.push(problem, path.clone(), false, here.0, here.1);
                    return None;
                }
            },
            ("string", None) => FieldType::String { max_len: None },
            ("int", None) => FieldType::Int,
            ("float", None) => FieldType::Float,
            ("text", None) => FieldType::Text,
            ("bool", None) => FieldType::Bool,
            ("datetime", None) => FieldType::DateTime,
            ("json", None) => FieldType::Json,
            ("enum", None) => match &def.values {
                Some(values) if !values.is_empty() => {
                    FieldType::Enum(self.enum_type(model, name, values, path))
                }
                _ => {
                    self.push(
                        Problem::EnumWithoutValues,
                        path.clone(),
                        false,
                        here.0,
                        here.1,
                    );
                    return None;
                }
            },
            _ => {
                let suggestion = naming::schema_type_for(base, argument)
                    .or_else(|| naming::suggest(base, TYPE_NAMES.iter().copied()));
                let problem = Problem::UnknownType {
                    ty: spelled.to_owned(),
                    suggestion,
                };
                self.push(problem, path.clone(), false, here.0, here.1);
                return None;
            }
        };
        if def.values.is_some() && !matches!(ty, FieldType::Enum(_)) {
            let problem = Problem::ValuesOnNonEnum {
                ty: ty.schema_name(),
            };
            let at = path.segments[..path.segments.len() - 1].to_vec();
            let values_path = YamlPath {
                segments: at,
                occurrence: 0,
            }
            .key("values");
            self.push(problem, values_path, true, here.0, here.1);
        }
        Some(ty)
    }

    fn enum_type(
        &mut self,
        model: &str,
        field: &str,
        values: &[String],
        type_path: &YamlPath,
    ) -> EnumType {
        let here = (Some(model), Some(field));
        let mut field_path = type_path.clone();
        field_path.segments.pop();
        let values_path = field_path.key("values");
        let mut variants = Vec::new();
        let mut seen: BTreeMap<String, (String, YamlPath)> = BTreeMap::new();
        for (i, value) in values.iter().enumerate() {
            let at = values_path.index(i);
            let rust_name = match naming::rust_type_ident(value) {
                Ok(rust_name) if value.starts_with(|c: char| c.is_ascii_alphabetic()) => rust_name,
                Ok(_) => {
                    let reason = "it does not start with a letter".to_owned();
                    let problem = Problem::BadEnumValue {
                        value: value.clone(),
                        reason,
                    };
                    self.push(problem, at, false, here.0, here.1);
                    continue;
                }
                Err(problem) => {
                    let reason = describe_name_problem(&problem);
                    let problem = Problem::BadEnumValue {
                        value: value.clone(),
                        reason,
                    };
                    self.push(problem, at, false, here.0, here.1);
                    continue;
                }
            };
            if let Some((first, first_path)) = seen.get(&rust_name) {
                let problem = Problem::Duplicate {
                    kind: NameKind::EnumValue,
                    name: value.clone(),
                    first: first.clone(),
                };
                self.push(problem, at, false, here.0, here.1);
                self.first_given_at(first_path);
                continue;
            }
            seen.insert(rust_name.clone(), (value.clone(), at));
            variants.push(EnumVariant {
                value: value.clone(),
                rust_name,
            });
        }
        let field_camel = naming::rust_type_ident(field).unwrap_or_default();
        EnumType {
            rust_name: format!("{model}{field_camel}"),
            variants,
        }
    }

    fn default_value(
        &mut self,
        value: &serde_yaml::Value,
        ty: &FieldType,
        def: &FieldDef,
        field_path: &YamlPath,
        here: (Option<&str>, Option<&str>),
    ) -> Option<DefaultValue> {
        use serde_yaml::Value;
        let path = field_path.key("default");
        if def.autoincrement {
            self.push(Problem::DefaultOnAutoincrement, path, true, here.0, here.1);
            return None;
        }
        if value.is_null() {
            self.push(Problem::NullDefault, path, false, here.0, here.1);
            return None;
        }
        let resolved = match (ty, value) {
            (FieldType::Int, Value::Number(n)) => n.as_i64().map(DefaultValue::Int),
            (FieldType::Float, Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(DefaultValue::Float),
            (FieldType::Bool, Value::Bool(b)) => Some(DefaultValue::Bool(*b)),
            (FieldType::String { .. } | FieldType::Text, Value::String(s)) if s.contains('\0') => {
                self.free_text("default", Some(s), path, here.0, here.1);
                return None;
            }
            (FieldType::String { max_len }, Value::String(s)) => {
                let fits = max_len.is_none_or(|n| s.chars().count() <= n as usize);
                fits.then(|| DefaultValue::String(s.clone()))
            }
            (FieldType::Text, Value::String(s)) => Some(DefaultValue::String(s.clone())),
            (FieldType::DateTime, Value::String(s)) if s == "now" => Some(DefaultValue::Now),
            (FieldType::Enum(enum_type), Value::String(s)) => {
                match enum_type.variants.iter().position(|v| v.value == *s) {
                    Some(index) => Some(DefaultValue::EnumVariant(index)),
                    None => {
                        let suggestion =
                            naming::suggest(s, enum_type.variants.iter().map(|v| v.value.as_str()));
                        let problem = Problem::DefaultNotAVariant {
                            value: s.clone(),
                            suggestion,
                        };
                        self.push(problem, path, false, here.0, here.1);
                        return None;
                    }
                }
            }
            _ => None,
        };
        if resolved.is_none() {
            let shown = yaml_text(value);
            let problem = Problem::DefaultWrongType {
                value: shown,
                ty: ty.schema_name(),
            };
            self.push(problem, path, false, here.0, here.1);
        }
        resolved
    }

    fn indexes(
        &mut self,
        model: &str,
        def: &ModelDef,
        fields: &[Field],
        path: &YamlPath,
    ) -> (Vec<Index>, Vec<usize>) {
        let mut indexes = Vec::new();
        let mut positions = Vec::new();
        for (i, index_def) in def.indexes.iter().enumerate() {
            let index_path = path.key("indexes").index(i);
            let name = &index_def.name;
            let mut ok = true;
            if let Err(problem) = naming::check_identifier(name) {
                self.bad_name(
                    NameKind::Index,
                    name,
                    &problem,
                    index_path.key("name"),
                    false,
                    Some(model),
                );
                ok = false;
            }
            if index_def.columns.is_empty() {
                let problem = Problem::EmptyIndex {
                    index: name.clone(),
                };
                self.push(problem, index_path.key("columns"), false, Some(model), None);
                ok = false;
            }
            let mut columns = Vec::new();
            for (c, column) in index_def.columns.iter().enumerate() {
                let at = index_path.key("columns").index(c);
                match fields.iter().position(|f| f.column == *column) {
                    Some(position) if columns.contains(&position) => {
                        let problem = Problem::RepeatedIndexColumn {
                            index: name.clone(),
                            column: column.clone(),
                        };
                        self.push(problem, at, false, Some(model), None);
                        ok = false;
                    }
                    Some(position) => columns.push(position),
                    None => {
                        let suggestion =
                            naming::suggest(column, fields.iter().map(|f| f.column.as_str()));
                        let problem = Problem::UnknownIndexColumn {
                            index: name.clone(),
                            column: column.clone(),
                            suggestion,
                        };
                        self.push(problem, at, false, Some(model), None);
                        ok = false;
                    }
                }
            }
            let descending = match index_def.order.as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    let problem = Problem::UnknownOrder {
                        order: other.to_owned(),
                    };
                    self.push(problem, index_path.key("order"), false, Some(model), None);
                    ok = false;
                    false
                }
            };
            if ok {
                indexes.push(Index {
                    name: name.clone(),
                    columns,
                    unique: index_def.unique,
                    descending,
                });
                positions.push(i);
            }
        }
        (indexes, positions)
    }

    fn checks(
        &mut self,
        model: &str,
        table: &str,
        def: &ModelDef,
        fields: &[Field],
        path: &YamlPath,
    ) -> (Vec<Check>, Vec<usize>) {
        let mut checks = Vec::new();
        let mut positions = Vec::new();
        let mut names: BTreeMap<String, (String, YamlPath)> = BTreeMap::new();
        for (i, check_def) in def.checks.iter().enumerate() {
            let check_path = path.key("checks").index(i);
            let name = check_def
                .name
                .clone()
                .unwrap_or_else(|| format!("{table}_check_{}", i + 1));
            if let Err(problem) = naming::check_identifier(&name) {
                self.bad_name(
                    NameKind::Check,
                    &name,
                    &problem,
                    check_path.key("name"),
                    false,
                    Some(model),
                );
                continue;
            }
            let name_path = check_path.key("name");
            let entry = (name.clone(), name_path.clone());
            if let Some((first, first_path)) = names.insert(name.to_ascii_lowercase(), entry) {
                let problem = Problem::Duplicate {
                    kind: NameKind::Check,
                    name: name.clone(),
                    first,
                };
                self.push(problem, name_path, false, Some(model), None);
                self.first_given_at(&first_path);
                continue;
            }
            let column = |word: &str| {
                let index = fields.iter().position(|f| f.column == word)?;
                Some((index, &fields[index].ty))
            };
            match parse_check(&check_def.expr, column) {
                Ok(expr) => {
                    checks.push(Check { name, expr });
                    positions.push(i);
                }
                Err(CheckExprError::Syntax(detail)) => {
                    let problem = Problem::CheckSyntax { detail };
                    self.push(problem, check_path.key("expr"), false, Some(model), None);
                }
                Err(CheckExprError::Type(detail)) => {
                    let problem = Problem::CheckType { detail };
                    self.push(problem, check_path.key("expr"), false, Some(model), None);
                }
                Err(CheckExprError::UnknownColumn(column)) => {
                    let suggestion =
                        naming::suggest(&column, fields.iter().map(|f| f.column.as_str()));
                    let problem = Problem::UnknownCheckColumn { column, suggestion };
                    self.push(problem, check_path.key("expr"), false, Some(model), None);
                }
            }
        }
        (checks, positions)
    }

    /// Model, table and generated type names must be unique across the
    /// schema, also once cased (`UserId` and `user_id` clash).
    fn unique_model_names(&mut self, models: &[Model]) {
        let mut types: BTreeMap<String, (String, YamlPath)> = BTreeMap::new();
        let mut tables: BTreeMap<String, String> = BTreeMap::new();
        let mut modules: BTreeMap<String, (String, YamlPath)> = BTreeMap::new();
        for (index, model) in models.iter().enumerate() {
            let path = self.origins[index].path.clone();
            let name = Some(model.name.as_str());
            if let Some((first, first_path)) = types.get(&model.name.to_ascii_lowercase()) {
                let problem = if first == &model.name {
                    Problem::Duplicate {
                        kind: NameKind::Model,
                        name: model.name.clone(),
                        first: first.clone(),
                    }
                } else {
                    Problem::TypeNameClash {
                        name: model.name.clone(),
                        taken_by: first.clone(),
                    }
                };
                self.push(problem, path.clone(), true, None, None);
                self.first_given_at(first_path);
            }
            // A table named twice is reported by the namespaces; two table
            // names can still give one Rust module (`UserRuns`, `user_runs`).
            let table_taken = tables.contains_key(&model.table.to_ascii_lowercase());
            if let Some((first, first_path)) = modules.get(&model.module).filter(|_| !table_taken) {
                let problem = Problem::Duplicate {
                    kind: NameKind::Table,
                    name: model.table.clone(),
                    first: first.clone(),
                };
                self.push(problem, path.key("table"), false, name, None);
                self.first_given_at(first_path);
            }
            tables.insert(model.table.to_ascii_lowercase(), model.table.clone());
            let table_path = path.key("table");
            modules
                .entry(model.module.clone())
                .or_insert((model.table.clone(), table_path));
            // Every type the model generates: the struct, its insert type and
            // one enum per enum field.
            let mut generated = vec![
                model.name.clone(),
                format!("New{}", model.name),
                format!("{}Patch", model.name),
            ];
            generated.extend(model.fields.iter().filter_map(|field| match &field.ty {
                FieldType::Enum(enum_type) => Some(enum_type.rust_name.clone()),
                _ => None,
            }));
            for (position, type_name) in generated.into_iter().enumerate() {
                let key = type_name.to_ascii_lowercase();
                if position > 0 {
                    if let Some((first, first_path)) = types.get(&key) {
                        let problem = Problem::TypeNameClash {
                            name: type_name.clone(),
                            taken_by: first.clone(),
                        };
                        self.push(problem, path.clone(), true, name, None);
                        self.first_given_at(first_path);
                        continue;
                    }
                    if naming::RESERVED_TYPE_NAMES.contains(&type_name.as_str()) {
                        let problem = Problem::ReservedName {
                            name: type_name.clone(),
                        };
                        self.push(problem, path.clone(), true, name, None);
                    }
                }
                types.entry(key).or_insert((type_name, path.clone()));
            }
        }
    }

    /// Pass 2 for one foreign key.
    fn foreign_key(
        &mut self,
        models: &mut [Model],
        tables: &BTreeMap<String, usize>,
        model_index: usize,
        reference: PendingReference,
    ) {
        let model_name = models[model_index].name.clone();
        let field = &models[model_index].fields[reference.field];
        let field_name = field.column.clone();
        let here = (Some(model_name.as_str()), Some(field_name.as_str()));
        let references_path = reference.path.key("references");
        let on_delete_path = reference.path.key("on_delete");
        // Read before the target, so a typo here is reported even when the
        // target is wrong too.
        let on_delete = match reference.on_delete.as_deref() {
            None | Some("no_action") => Some(OnDelete::NoAction),
            Some("cascade") => Some(OnDelete::Cascade),
            Some("set_null") => Some(OnDelete::SetNull),
            Some("restrict") => Some(OnDelete::Restrict),
            Some(other) => {
                let suggestion = naming::suggest(other, ON_DELETE_NAMES.iter().copied());
                let problem = Problem::UnknownOnDelete {
                    action: other.to_owned(),
                    suggestion,
                };
                self.push(problem, on_delete_path.clone(), false, here.0, here.1);
                None
            }
        };
        let Some((table, column)) = reference
            .target
            .split_once('.')
            .filter(|(t, c)| !t.is_empty() && !c.is_empty() && !c.contains('.'))
        else {
            let problem = Problem::BadReference {
                target: reference.target.clone(),
            };
            self.push(problem, references_path, false, here.0, here.1);
            return;
        };
        let Some(&target_model) = tables.get(table) else {
            let suggestion = naming::suggest(table, models.iter().map(|m| m.table.as_str()));
            let problem = Problem::UnknownTable {
                table: table.to_owned(),
                suggestion,
            };
            self.push(problem, references_path, false, here.0, here.1);
            return;
        };
        let target = &models[target_model];
        let Some(target_field) = target.fields.iter().position(|f| f.column == column) else {
            let suggestion =
                naming::suggest(column, target.fields.iter().map(|f| f.column.as_str()));
            let problem = Problem::UnknownReferencedColumn {
                table: table.to_owned(),
                column: column.to_owned(),
                suggestion,
            };
            self.push(problem, references_path, false, here.0, here.1);
            return;
        };
        let target_column = &target.fields[target_field];
        let field = &models[model_index].fields[reference.field];
        if !field.ty.is_compatible_with(&target_column.ty) {
            let problem = Problem::ForeignKeyTypeMismatch {
                ty: field.ty.schema_name(),
                table: table.to_owned(),
                column: column.to_owned(),
                target_ty: target_column.ty.schema_name(),
            };
            self.push(problem, reference.path.key("type"), false, here.0, here.1);
            return;
        }
        if !(target_column.primary_key || target_column.unique) {
            let problem = Problem::ForeignKeyNotUnique {
                table: table.to_owned(),
                column: column.to_owned(),
            };
            self.push(problem, references_path, false, here.0, here.1);
            return;
        }
        let Some(on_delete) = on_delete else {
            return;
        };
        if on_delete == OnDelete::SetNull && !field.nullable {
            self.push(
                Problem::SetNullOnRequired,
                on_delete_path,
                false,
                here.0,
                here.1,
            );
            return;
        }
        if target_model == model_index && !field.nullable {
            self.push(
                Problem::RequiredSelfReference,
                references_path,
                false,
                here.0,
                here.1,
            );
            return;
        }
        let relation = match &reference.relation {
            Some(relation) => relation.clone(),
            // `run_id` -> `run`; `account_handle` (to `accounts.handle`) ->
            // `account`.
            None => field
                .column
                .strip_suffix("_id")
                .or_else(|| field.column.strip_suffix(&format!("_{column}")))
                .filter(|stem| !stem.is_empty())
                .map_or_else(|| format!("{}_row", field.column), str::to_owned),
        };
        let relation_path = reference.path.key("relation");
        let relation = match naming::rust_value_ident(&relation) {
            Ok(ident) => ident,
            Err(problem) => {
                self.bad_name(
                    NameKind::Relation,
                    &relation,
                    &problem,
                    relation_path,
                    false,
                    here.0,
                );
                return;
            }
        };
        let clash = models[model_index].fields.iter().any(|f| {
            f.foreign_key
                .as_ref()
                .is_some_and(|fk| fk.relation == relation)
        });
        if clash {
            let problem = Problem::Duplicate {
                kind: NameKind::Relation,
                name: naming::unraw(&relation).to_owned(),
                first: naming::unraw(&relation).to_owned(),
            };
            self.push(problem, relation_path, true, here.0, here.1);
            return;
        }
        models[model_index].fields[reference.field].foreign_key = Some(ForeignKey {
            model: target_model,
            field: target_field,
            on_delete,
            relation,
        });
    }

    /// Finders are named after their columns; two sources of the same name
    /// would generate one function twice.
    fn unique_finders(&mut self, model_index: usize, model: &Model) {
        let mut finders: BTreeMap<String, String> = BTreeMap::new();
        let path = self.origins[model_index].path.clone();
        let mut sources: Vec<(String, String, YamlPath)> = Vec::new();
        for field in &model.fields {
            if field.unique && !field.primary_key {
                let finder = format!("get_by_{}", naming::unraw(&field.rust_name));
                let at = path.key("fields").key(&field.column);
                sources.push((finder, format!("unique field `{}`", field.column), at));
            }
        }
        for (i, index) in model.indexes.iter().enumerate() {
            let finder = finder_name(model, index);
            let at = path.key("indexes").index(i);
            sources.push((finder, format!("index `{}`", index.name), at));
        }
        for (finder, source, at) in sources {
            if let Some(first) = finders.get(&finder) {
                let problem = Problem::DuplicateFinder {
                    finder: finder.clone(),
                    first: first.clone(),
                    second: source,
                };
                self.push(problem, at, false, Some(&model.name), None);
            } else {
                finders.insert(finder, source);
            }
        }
    }

    /// Parents before children; schema order among equals. Reports cycles.
    fn creation_order(&mut self, models: &[Model]) -> Vec<usize> {
        let parents: Vec<Vec<usize>> = models
            .iter()
            .enumerate()
            .map(|(index, model)| {
                let mut parents: Vec<usize> = model
                    .fields
                    .iter()
                    .filter_map(|f| f.foreign_key.as_ref().map(|fk| fk.model))
                    .filter(|&parent| parent != index)
                    .collect();
                parents.sort_unstable();
                parents.dedup();
                parents
            })
            .collect();
        // Kahn's algorithm, always taking the first ready model in schema
        // order: parents first, schema order among equals.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); models.len()];
        let mut waiting_on: Vec<usize> = parents.iter().map(Vec::len).collect();
        for (child, parents) in parents.iter().enumerate() {
            for &parent in parents {
                children[parent].push(child);
            }
        }
        let mut ready: BTreeSet<usize> =
            (0..models.len()).filter(|&i| waiting_on[i] == 0).collect();
        let mut order = Vec::with_capacity(models.len());
        while let Some(next) = ready.pop_first() {
            order.push(next);
            for &child in &children[next] {
                waiting_on[child] -= 1;
                if waiting_on[child] == 0 {
                    ready.insert(child);
                }
            }
        }
        if order.len() < models.len() {
            let mut placed = vec![false; models.len()];
            for &i in &order {
                placed[i] = true;
            }
            let stuck: Vec<usize> = (0..models.len()).filter(|&i| !placed[i]).collect();
            let cycle = stuck
                .iter()
                .map(|&i| format!("`{}`", models[i].table))
                .collect::<Vec<_>>()
                .join(", ");
            let first = stuck[0];
            let path = self.origins[first].path.clone();
            let problem = Problem::ForeignKeyCycle { cycle };
            self.push(problem, path, true, Some(&models[first].name), None);
            order.extend(stuck);
        }
        order
    }
}

/// The name of the finder an index gives: `get_by_…` when it returns at
/// most one row, `list_by_…` otherwise, after the columns it filters on.
pub fn finder_name(model: &Model, index: &Index) -> String {
    let columns: Vec<&str> = index
        .lookup_columns()
        .iter()
        .map(|&c| naming::unraw(&model.fields[c].rust_name))
        .collect();
    let verb = if index.unique { "get_by" } else { "list_by" };
    format!("{verb}_{}", columns.join("_and_"))
}
