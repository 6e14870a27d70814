//! Stage 2's error type: every way a well-formed YAML file can still be a
//! wrong schema, each with its message, its fix and a stable code.

use crate::naming::NameProblem;
use crate::source_map::YamlPath;

/// One mistake in a schema, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    pub problem: Problem,
    /// The YAML node to point at.
    pub path: YamlPath,
    /// Point at the node's key (a name) rather than its value.
    pub at_key: bool,
    pub model: Option<String>,
    pub field: Option<String>,
    /// Where the name it repeats was first given, for a duplicate: the key
    /// of that node.
    pub first: Option<YamlPath>,
}

impl SchemaError {
    /// One line: where, in schema terms, and what.
    pub fn headline(&self) -> String {
        match (&self.model, &self.field) {
            (Some(model), Some(field)) => {
                format!("model `{model}`, field `{field}`: {}", self.problem)
            }
            (Some(model), None) => format!("model `{model}`: {}", self.problem),
            _ => self.problem.to_string(),
        }
    }
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.headline())
    }
}

impl std::error::Error for SchemaError {}

/// What kind of thing a name names, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Crate,
    Model,
    Table,
    Field,
    Index,
    Check,
    Relation,
    EnumValue,
}

impl std::fmt::Display for NameKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NameKind::Crate => "crate name",
            NameKind::Model => "model name",
            NameKind::Table => "table name",
            NameKind::Field => "field name",
            NameKind::Index => "index name",
            NameKind::Check => "check name",
            NameKind::Relation => "relation name",
            NameKind::EnumValue => "enum value",
        })
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// "a", "an" or "a nullable" before a field's type name.
fn article(nullable: bool, ty: &str) -> &'static str {
    if nullable {
        "a nullable"
    } else if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Everything the validator can object to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("the schema defines no models")]
    NoModels,
    #[error("{detail}")]
    MissingKey { detail: String },
    #[error("{detail}")]
    WrongType { detail: String },
    #[error("`{key}` is {belongs}, but stands {place}")]
    MisindentedKey {
        key: String,
        belongs: &'static str,
        place: &'static str,
    },
    #[error("unknown key `{key}`{}", did_you_mean(suggestion))]
    UnknownKey {
        key: String,
        suggestion: Option<String>,
        allowed: &'static [&'static str],
    },
    #[error("`{name}` is not a usable {kind}: {reason}")]
    BadName {
        kind: NameKind,
        name: String,
        reason: String,
    },
    #[error("{kind} `{name}` is defined twice{}", clash_note(.first, .name))]
    Duplicate {
        kind: NameKind,
        name: String,
        /// The earlier name it clashes with, when they differ in spelling.
        first: String,
    },
    #[error("the model name `{name}` clashes with `{taken_by}` in the generated code")]
    TypeNameClash { name: String, taken_by: String },
    #[error("`{name}` is a name the generated code reserves for itself")]
    ReservedName { name: String },
    #[error("the model has no fields")]
    NoFields,
    #[error("the model has no primary key")]
    MissingPrimaryKey,
    #[error("the model has more than one primary key field (`{first}` and `{second}`)")]
    SeveralPrimaryKeys { first: String, second: String },
    #[error("unknown type `{ty}`{}", did_you_mean(.suggestion))]
    UnknownType {
        ty: String,
        suggestion: Option<String>,
    },
    #[error("`{ty}` has no usable length; write `string(n)` with n from 1 to 10485760")]
    BadStringLength { ty: String },
    #[error("autoincrement needs an `int` field, and this one is `{ty}`")]
    AutoincrementNotInt { ty: String },
    #[error("autoincrement is only allowed on the primary key")]
    AutoincrementNotPrimaryKey,
    #[error("a primary key cannot be nullable")]
    NullablePrimaryKey,
    #[error("a `{ty}` field cannot be a primary key")]
    PrimaryKeyType { ty: String },
    #[error("an enum field needs `values`, the list of allowed strings")]
    EnumWithoutValues,
    #[error("`values` only applies to `enum` fields, and this one is `{ty}`")]
    ValuesOnNonEnum { ty: String },
    #[error("a unique `{ty}` field lets the table hold at most {values} rows")]
    UniqueFewValues { ty: String, values: usize },
    #[error("enum value `{value}` is not usable: {reason}")]
    BadEnumValue { value: String, reason: String },
    #[error("the default `{value}` does not fit a `{ty}` field")]
    DefaultWrongType { value: String, ty: String },
    #[error("the default `{value}` is not one of the enum's values{}", did_you_mean(.suggestion))]
    DefaultNotAVariant {
        value: String,
        suggestion: Option<String>,
    },
    #[error("the example `{value}` is not a value of {} {ty} field", article(*.nullable, ty))]
    ExampleWrongType {
        value: String,
        ty: String,
        nullable: bool,
    },
    #[error("the example `{value}` is not one of the enum's values{}", did_you_mean(.suggestion))]
    ExampleNotAVariant {
        value: String,
        suggestion: Option<String>,
    },
    #[error("this field's example would not be used: {reason}")]
    ExampleNotUsed { reason: &'static str },
    #[error("{check} refuses the example row of `{table}` ({row}){detail}")]
    ExampleRefused {
        table: String,
        /// What refused it: `check \`name\`` or the column's own check.
        check: String,
        /// `column = value` for each column the check reads.
        row: String,
        /// The row number the tests vary unique columns with, when it was
        /// not the first row that failed.
        detail: String,
        /// Whether the row took the defaults.
        defaults: bool,
        /// The fields to give `example:` values.
        fields: Vec<String>,
    },
    #[error("SQLite refuses the table `{table}` or its example row: {message}")]
    SqliteRefused { table: String, message: String },
    #[error("an autoincrement field cannot have a default")]
    DefaultOnAutoincrement,
    #[error("`default: null` is not a default")]
    NullDefault,
    #[error("`references` must be `table.column`, not `{target}`")]
    BadReference { target: String },
    #[error("foreign key to unknown table `{table}`{}", did_you_mean(.suggestion))]
    UnknownTable {
        table: String,
        suggestion: Option<String>,
    },
    #[error("foreign key to unknown column `{column}` of table `{table}`{}", did_you_mean(.suggestion))]
    UnknownReferencedColumn {
        table: String,
        column: String,
        suggestion: Option<String>,
    },
    #[error("foreign key of type `{ty}` points at `{table}.{column}` of type `{target_ty}`")]
    ForeignKeyTypeMismatch {
        ty: String,
        table: String,
        column: String,
        target_ty: String,
    },
    #[error("foreign key points at `{table}.{column}`, which is neither a primary key nor unique")]
    ForeignKeyNotUnique { table: String, column: String },
    #[error("`on_delete` is set but the field has no `references`")]
    OnDeleteWithoutReference,
    #[error("`relation` is set but the field has no `references`")]
    RelationWithoutReference,
    #[error("unknown on_delete action `{action}`{}", did_you_mean(.suggestion))]
    UnknownOnDelete {
        action: String,
        suggestion: Option<String>,
    },
    #[error("ON DELETE SET NULL on a field that is not nullable")]
    SetNullOnRequired,
    #[error("a required foreign key points at its own table, so no first row could be inserted")]
    RequiredSelfReference,
    #[error("foreign keys form a cycle: {cycle}")]
    ForeignKeyCycle { cycle: String },
    #[error("index `{index}` has no columns")]
    EmptyIndex { index: String },
    #[error("index `{index}` names unknown column `{column}`{}", did_you_mean(.suggestion))]
    UnknownIndexColumn {
        index: String,
        column: String,
        suggestion: Option<String>,
    },
    #[error("index `{index}` lists column `{column}` twice")]
    RepeatedIndexColumn { index: String, column: String },
    #[error("unknown index order `{order}`; use `asc` or `desc`")]
    UnknownOrder { order: String },
    #[error("the finder `{finder}` would be generated twice (by {first} and {second})")]
    DuplicateFinder {
        finder: String,
        first: String,
        second: String,
    },
    #[error("check expression is not valid: {detail}")]
    CheckSyntax { detail: String },
    #[error("check expression does not work alike on both engines: {detail}")]
    CheckType { detail: String },
    #[error("check expression names unknown column `{column}`{}", did_you_mean(.suggestion))]
    UnknownCheckColumn {
        column: String,
        suggestion: Option<String>,
    },
    #[error("`{name}` names both {first} and {what}")]
    NameTaken {
        name: String,
        /// The second object, in words ("index `x` of model `A`").
        what: String,
        /// The object that has the name first, in words.
        first: String,
    },
    #[error(
        "{what} would be named `{name}`, but {engine} keeps names starting `{prefix}` for itself"
    )]
    EngineReservedName {
        name: String,
        what: String,
        prefix: &'static str,
        engine: &'static str,
    },
    #[error("the {what} contains the control character {character}")]
    ControlCharacter {
        /// What holds it (`doc`, `default`).
        what: &'static str,
        /// The character, escaped (`U+000D`).
        character: String,
    },
}

fn clash_note(first: &str, name: &str) -> String {
    if first == name {
        String::new()
    } else {
        format!(" (as `{first}`, the same name once cased for Rust or SQL)")
    }
}

impl Problem {
    /// A stable, kebab-case code for tools that read `--format json`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NoModels => "no-models",
            Problem::MissingKey { .. } => "missing-key",
            Problem::WrongType { .. } => "wrong-type",
            Problem::MisindentedKey { .. } => "misindented-key",
            Problem::UnknownKey { .. } => "unknown-key",
            Problem::BadName { .. } => "bad-name",
            Problem::Duplicate { .. } => "duplicate-name",
            Problem::TypeNameClash { .. } => "type-name-clash",
            Problem::ReservedName { .. } => "reserved-name",
            Problem::NoFields => "no-fields",
            Problem::MissingPrimaryKey => "missing-primary-key",
            Problem::SeveralPrimaryKeys { .. } => "several-primary-keys",
            Problem::UnknownType { .. } => "unknown-type",
            Problem::BadStringLength { .. } => "bad-string-length",
            Problem::AutoincrementNotInt { .. } => "autoincrement-not-int",
            Problem::AutoincrementNotPrimaryKey => "autoincrement-not-primary-key",
            Problem::NullablePrimaryKey => "nullable-primary-key",
            Problem::PrimaryKeyType { .. } => "primary-key-type",
            Problem::EnumWithoutValues => "enum-without-values",
            Problem::ValuesOnNonEnum { .. } => "values-on-non-enum",
            Problem::UniqueFewValues { .. } => "unique-few-values",
            Problem::BadEnumValue { .. } => "bad-enum-value",
            Problem::DefaultWrongType { .. } => "default-wrong-type",
            Problem::DefaultNotAVariant { .. } => "default-not-a-variant",
            Problem::ExampleWrongType { .. } => "example-wrong-type",
            Problem::ExampleNotAVariant { .. } => "example-not-a-variant",
            Problem::ExampleNotUsed { .. } => "example-not-used",
            Problem::ExampleRefused { .. } => "example-refused",
            Problem::SqliteRefused { .. } => "sqlite-refused",
            Problem::DefaultOnAutoincrement => "default-on-autoincrement",
            Problem::NullDefault => "null-default",
            Problem::BadReference { .. } => "bad-reference",
            Problem::UnknownTable { .. } => "unknown-table",
            Problem::UnknownReferencedColumn { .. } => "unknown-referenced-column",
            Problem::ForeignKeyTypeMismatch { .. } => "foreign-key-type-mismatch",
            Problem::ForeignKeyNotUnique { .. } => "foreign-key-not-unique",
            Problem::OnDeleteWithoutReference => "on-delete-without-reference",
            Problem::RelationWithoutReference => "relation-without-reference",
            Problem::UnknownOnDelete { .. } => "unknown-on-delete",
            Problem::SetNullOnRequired => "set-null-on-required",
            Problem::RequiredSelfReference => "required-self-reference",
            Problem::ForeignKeyCycle { .. } => "foreign-key-cycle",
            Problem::EmptyIndex { .. } => "empty-index",
            Problem::UnknownIndexColumn { .. } => "unknown-index-column",
            Problem::RepeatedIndexColumn { .. } => "repeated-index-column",
            Problem::UnknownOrder { .. } => "unknown-order",
            Problem::DuplicateFinder { .. } => "duplicate-finder",
            Problem::CheckSyntax { .. } => "check-syntax",
            Problem::UnknownCheckColumn { .. } => "unknown-check-column",
            Problem::ControlCharacter { .. } => "control-character",
            Problem::CheckType { .. } => "check-type",
            Problem::NameTaken { .. } => "name-taken",
            Problem::EngineReservedName { .. } => "engine-reserved-name",
        }
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            Problem::NoModels => "add a model under `models:`; see docs/schema-format.md".into(),
            Problem::MissingKey { .. } => "add the key; docs/schema-format.md lists every key".into(),
            Problem::WrongType { detail } if detail.ends_with("expected a boolean") => {
                "write `true` or `false` (YAML 1.2 reads `yes`, `no`, `on` and `off` as text)".into()
            }
            Problem::WrongType { .. } => "docs/schema-format.md gives the type of every key".into(),
            Problem::MisindentedKey { belongs, .. } => format!(
                "indent it further, under the {} it belongs to",
                if belongs.contains("field") { "field" } else { "model" }
            ),
            Problem::UnknownKey { allowed, .. } => format!(
                "the keys allowed here are {}; check the spelling and the indentation",
                allowed.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", ")
            ),
            Problem::BadName { kind, .. } => match kind {
                NameKind::Model => "model names are Rust type names: an ASCII letter, then letters, digits or `_` (e.g. `PipelineRun`)".into(),
                NameKind::Crate => "write e.g. `crate: pipeline-db`".into(),
                NameKind::EnumValue => "enum values are stored strings that also name Rust variants: ASCII letters, digits and `_`, starting with a letter (e.g. `pending_review`)".into(),
                _ => "use ASCII letters, digits and `_`, starting with a letter or `_`, at most 63 characters (e.g. `created_at`)".into(),
            },
            Problem::Duplicate { kind, .. } => format!("rename one of them; every {kind} must be unique"),
            Problem::TypeNameClash { .. } => "rename the model or the enum field so each generated type has its own name".into(),
            Problem::ReservedName { .. } => "choose another name; this one would shadow an item the generated code uses".into(),
            Problem::NoFields => "add at least a primary key field under `fields:`".into(),
            Problem::MissingPrimaryKey => "mark one field `primary_key: true`, e.g. `id: { type: int, primary_key: true, autoincrement: true }`".into(),
            Problem::SeveralPrimaryKeys { .. } => "composite primary keys are not supported; keep one `primary_key: true` and add a unique index over the others".into(),
            Problem::UnknownType { .. } => "the types are int, float, string(n), string, text, bool, datetime, json and enum".into(),
            Problem::BadStringLength { .. } => "write e.g. `string(255)`, or `text` for unbounded text".into(),
            Problem::AutoincrementNotInt { .. } => "remove `autoincrement`, or make the key `type: int`".into(),
            Problem::AutoincrementNotPrimaryKey => "add `primary_key: true`, or remove `autoincrement`".into(),
            Problem::NullablePrimaryKey => "remove `nullable: true`; every row needs a key".into(),
            Problem::PrimaryKeyType { .. } => "use an int, string(n), string or text key".into(),
            Problem::EnumWithoutValues => "add e.g. `values: [draft, published]`".into(),
            Problem::ValuesOnNonEnum { .. } => "write `type: enum`, or remove `values`".into(),
            Problem::UniqueFewValues { .. } => "remove `unique`; for at most one row per value, make the values the primary key of a table of their own, or index the field".into(),
            Problem::BadEnumValue { .. } => "use lower-case words joined by `_` (e.g. `pending_review`), each value once".into(),
            Problem::DefaultWrongType { ty, .. } => match ty.as_str() {
                "datetime" => "a datetime default can only be `now`".into(),
                "json" => "json fields take no default; make the field nullable or set it on insert".into(),
                "bool" => "write `true` or `false`".into(),
                "int" => "write a whole number such as `0`".into(),
                "float" => "write a number such as `0.0`".into(),
                _ => "quote the default to make it a string, e.g. `default: \"none\"`".into(),
            },
            Problem::DefaultNotAVariant { .. } => "the default must be one of the strings listed in `values`".into(),
            Problem::ExampleWrongType { ty, nullable, value } => {
                let null = if *nullable { ", or `null`" } else { "" };
                match ty.as_str() {
                    "datetime" => format!("write an RFC 3339 datetime such as `2026-01-01T10:00:00Z`, in the years 0000 to 9999{null}"),
                    "bool" => format!("write `true` or `false`{null}"),
                    "int" => format!("write a whole number such as `42`{null}"),
                    "float" => format!("write a finite number such as `1.5`{null}"),
                    "json" => format!("write any YAML value without a NUL character; it is stored as JSON{null}"),
                    _ => format!("write text that fits the type, quoted if YAML would read it otherwise{null}"),
                }
                .replace("write ", if value == "null" && !*nullable { "`null` is an example only of a nullable field; write " } else { "write " })
            }
            Problem::ExampleNotAVariant { .. } => "the example must be one of the strings listed in `values`".into(),
            Problem::ExampleNotUsed { .. } => "remove `example`; the generated tests and `validate` give this field its value".into(),
            Problem::SqliteRefused { .. } => "schemagen accepted what SQLite refuses, which is a bug in schemagen: please report it with this schema".into(),
            Problem::ExampleRefused { defaults: true, .. } => {
                "a default the check refuses would fail every insert that leaves the field out: change the default or the check".into()
            }
            Problem::ExampleRefused { fields, .. } => {
                let named: Vec<String> = fields.iter().map(|field| format!("`{field}`")).collect();
                let fields = match named.as_slice() {
                    [] => "the fields `example:` values".to_owned(),
                    [one] => format!("{one} an `example:` value"),
                    [rest @ .., last] => format!("{} and {last} `example:` values", rest.join(", ")),
                };
                format!(
                    "give {fields} the check accepts; the generated tests insert them. In text, `{{n}}` stands for the row's number (a unique column's example without it gets `-{{n}}` appended)"
                )
            }
            Problem::DefaultOnAutoincrement => "remove `default`; the database assigns the key".into(),
            Problem::NullDefault => "remove `default`; a nullable field is NULL when not set".into(),
            Problem::BadReference { .. } => "write the referenced table and column, e.g. `references: pipeline_runs.id`".into(),
            Problem::UnknownTable { .. } => "`references` names a table (the model's `table:`), then its column".into(),
            Problem::UnknownReferencedColumn { .. } => "reference a column that the table defines, usually its primary key".into(),
            Problem::ForeignKeyTypeMismatch { .. } => "give the field the same type as the column it references".into(),
            Problem::ForeignKeyNotUnique { .. } => "reference the primary key, or mark the referenced column `unique: true`".into(),
            Problem::OnDeleteWithoutReference => "add `references: table.column`, or remove `on_delete`".into(),
            Problem::RelationWithoutReference => "add `references: table.column`, or remove `relation`".into(),
            Problem::UnknownOnDelete { .. } => "the actions are cascade, set_null, restrict and no_action".into(),
            Problem::SetNullOnRequired => "add `nullable: true`, or use `on_delete: cascade` or `restrict`".into(),
            Problem::RequiredSelfReference => "make the field `nullable: true`".into(),
            Problem::ForeignKeyCycle { .. } => "tables must be creatable one after another; break the cycle by removing one of these references".into(),
            Problem::EmptyIndex { .. } => "list at least one column, e.g. `columns: [status]`".into(),
            Problem::UnknownIndexColumn { .. } => "an index lists columns of its own model".into(),
            Problem::RepeatedIndexColumn { .. } => "list each column once".into(),
            Problem::UnknownOrder { .. } => "`order: desc` returns the newest rows first".into(),
            Problem::DuplicateFinder { .. } => "remove one of the two; a unique column and a single-column index on it give the same finder".into(),
            Problem::CheckSyntax { .. } => "a check is a boolean expression over the model's columns, e.g. `end_seconds > start_seconds`".into(),
            Problem::UnknownCheckColumn { .. } => "a check can only use the model's own columns".into(),
            Problem::CheckType { .. } => "compare values of one kind (numbers with numbers, strings with strings, bools with TRUE or FALSE); docs/schema-format.md lists what a check may use".into(),
            Problem::NameTaken { .. } => "rename one of them: SQLite keeps tables and indexes in one namespace; PostgreSQL also the indexes behind primary keys and unique constraints (`<table>_pkey`, `<table>_<column>_key`), and each table's constraint names (`_check`, `_fkey` and the checks) in another".into(),
            Problem::EngineReservedName { prefix, .. } => format!("choose a name that does not start with `{prefix}`"),
            Problem::ControlCharacter { what, .. } => match *what {
                "doc" => "remove it: a doc is plain text whose lines end in line feeds only, so that it stays inside the SQL and Rust comments it becomes".into(),
                _ => "remove it: PostgreSQL cannot store a NUL in text, and SQLite's string functions stop at one".into(),
            },
        }
    }
}

/// Explains a [`NameProblem`] in words.
pub fn describe_name_problem(problem: &NameProblem) -> String {
    match problem {
        NameProblem::Empty => "it is empty".into(),
        NameProblem::TooLong => {
            "it is longer than 63 characters, which PostgreSQL would cut".into()
        }
        NameProblem::BadCharacter(c) if c.is_whitespace() => "it contains white space".into(),
        NameProblem::BadCharacter(c) => {
            format!("it contains `{c}`, which cannot be part of an identifier")
        }
        NameProblem::StartsWithDigit => "it starts with a digit".into(),
        NameProblem::RustUnusable(ident) => {
            format!("it becomes `{ident}` in Rust, which no identifier (not even a raw one) can be")
        }
    }
}
