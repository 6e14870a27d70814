//! Stage 3 (render), first half: turns the IR into view types, the only
//! thing templates see. Every identifier here is cased, escaped or quoted,
//! every SQL statement built, every Rust expression spelled; templates only
//! loop over these and print them.

use crate::dialect::{format_float, Dialect};
use crate::ir::{DefaultValue, Field, FieldType, Index, Model, Schema};
use crate::naming::{join_ident, sql_ident, unraw};
use crate::validate::finder_name;

/// A Rust string literal holding `text`, escaped as the compiler reads it.
/// Most are names and SQL, printable ASCII without a quote or backslash,
/// which stand in the literal as they are: `Debug` looks at every
/// character for what to escape, and views quote a great many names.
pub fn rust_str(text: &str) -> String {
    let plain = text
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
    if plain {
        ["\"", text, "\""].concat()
    } else {
        format!("{text:?}")
    }
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("starts with one line");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// Doc text as lines, empty lines kept. Validate has refused every control
/// character but the line feed, so no line can end its comment early.
fn doc_lines(doc: Option<&str>) -> Vec<String> {
    doc.map(|doc| {
        doc.trim()
            .split('\n')
            .map(|line| line.trim_end().to_owned())
            .collect()
    })
    .unwrap_or_default()
}

/// Doc text as lines for `///` comments, read by rustdoc as text, never as
/// code: rustdoc compiles and runs every code block of a doc comment, so a
/// fence (```` ``` ```` or `~~~`) is escaped and indentation, which would make
/// an indented code block, is dropped.
fn rustdoc_lines(doc: Option<&str>) -> Vec<String> {
    doc_lines(doc)
        .into_iter()
        .map(|line| {
            let line = line.trim_start();
            if line.starts_with("```") || line.starts_with("~~~") {
                format!("\\{line}")
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// One field as the Rust code needs it.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub rust_name: String,
    pub column: String,
    /// The type in the row struct (`Option<String>`).
    pub rust_type: String,
    /// The type in the insert struct (`Option<T>` where the database has a
    /// default).
    pub new_type: String,
    pub doc_lines: Vec<String>,
    /// Reads the field's column of a row into the field's type.
    pub read: String,
    /// The bind expression for the field of a value named by the template
    /// (`new.` or `row.` is prefixed there).
    pub bind: String,
    /// Same for the insert struct's field.
    pub new_bind: String,
    /// On PostgreSQL, `bind` and `new_bind` with the parameter's type, as
    /// `query_typed` takes them: `(&row.id, SqlType::INT8)`.
    pub typed_bind: String,
    pub typed_new_bind: String,
    /// The insert struct's field as `insert_many` sends it (PostgreSQL's
    /// COPY, SQLite's row function): a `None` where the column has a
    /// default becomes the value the database would use (`now` for
    /// `default: now`).
    pub filled_bind: String,
    /// The column's PostgreSQL type, for COPY.
    pub sql_type: String,
    pub is_new_optional: bool,
}

/// One column of a `<Model>Patch`.
#[derive(Debug, Clone)]
pub struct PatchFieldView {
    pub rust_name: String,
    /// `Option<T>`, or `Option<Option<T>>` for a nullable column.
    pub patch_type: String,
    /// The column as SQL names it, as a Rust string literal.
    pub column_sql: String,
    /// An owned, boxed bind of `value` (a reference to the field's value).
    pub bind: String,
    /// The column's PostgreSQL parameter type.
    pub sql_type: String,
}

/// The pieces of one enum type.
#[derive(Debug, Clone)]
pub struct EnumView {
    pub rust_name: String,
    pub has_default: bool,
    pub column: String,
    pub variants: Vec<VariantView>,
}

#[derive(Debug, Clone)]
pub struct VariantView {
    pub rust_name: String,
    pub value_literal: String,
    pub is_default: bool,
}

/// A finder: an index or unique column turned into a function.
#[derive(Debug, Clone)]
pub struct FinderView {
    pub name: String,
    pub doc_lines: Vec<String>,
    pub binds: Vec<String>,
    pub const_name: String,
    pub sql_literal: String,
    /// `name: type` pairs of the parameters after the connection.
    pub params: Vec<ParamView>,
    pub returns_one: bool,
}

#[derive(Debug, Clone)]
pub struct ParamView {
    pub name: String,
    pub ty: String,
    pub bind: String,
    /// On PostgreSQL, the bind with the parameter's type.
    pub typed_bind: String,
}

/// A foreign key's accessor to its parent row.
#[derive(Debug, Clone)]
pub struct RelationView {
    pub fn_name: String,
    pub field: String,
    /// The Rust name of the key field.
    pub field_rust: String,
    pub parent_type: String,
    pub parent_module: String,
    pub parent_getter: String,
    /// The parent module's constant holding the getter's SQL.
    pub parent_getter_sql: String,
    pub nullable: bool,
    /// Expression for the key, from `row`; for nullable keys an `Option`.
    pub key_arg: String,
    /// The parent key's PostgreSQL parameter type (`SqlType::INT8`).
    pub key_sql_type: String,
}

/// Everything a model's module needs.
#[derive(Debug, Clone)]
pub struct ModelView {
    /// The table name as a Rust string literal.
    pub table_literal: String,
    /// The values of the foreign key columns, in schema order, as
    /// `params![...]` of an insert (`new`), an update (`row`) and a patch,
    /// for finding which foreign key a write broke.
    pub reference_keys_new: String,
    pub reference_keys_row: String,
    pub reference_keys_patch: String,
    pub name: String,
    pub new_name: String,
    pub table: String,
    pub module: String,
    pub doc_lines: Vec<String>,
    pub fields: Vec<FieldView>,
    pub new_fields: Vec<FieldView>,
    pub any_new_optional: bool,
    /// Names `lib.rs` re-exports: the row, the insert type and enums.
    pub exports: Vec<String>,
    pub enums: Vec<EnumView>,
    /// `use` lines of other crates, then of this crate.
    pub imports: Vec<String>,
    pub crate_imports: Vec<String>,
    pub pk: FieldView,
    pub pk_param: ParamView,
    pub insert_sql: String,
    pub insert_many_sql: String,
    pub get_sql: String,
    pub list_sql: String,
    pub count_sql: String,
    /// The first page, and the page after a key.
    pub page_sql: String,
    pub page_after_sql: String,
    /// The bind expression of the key `after` holds (named `key`).
    pub page_key_bind: String,
    /// On PostgreSQL, the same with its parameter type.
    pub page_key_typed_bind: String,
    /// The key's PostgreSQL parameter type.
    pub pk_sql_type: String,
    /// On SQLite, `insert_many`'s statement, which reads the rows through
    /// the crate's row function (`src/sqlite_rows.rs`). `None` where the
    /// insert struct has no fields.
    pub insert_many_select: Option<String>,
    /// On PostgreSQL, the `COPY ... FROM STDIN (FORMAT binary)` of
    /// `insert_many`; `None` where the insert struct has no fields.
    pub copy_sql: Option<String>,
    /// Whether a column an insert gives has a default, which `insert_many`
    /// fills in.
    pub fills_defaults: bool,
    /// Whether a column has `default: now`, which `insert_many` fills in.
    pub fills_now: bool,
    /// The table's columns in schema order, as a Rust string literal.
    pub columns_literal: String,
    pub update_sql: Option<String>,
    pub delete_sql: String,
    pub upsert_sql: Option<String>,
    pub finders: Vec<FinderView>,
    pub relations: Vec<RelationView>,
    /// `New<Model>::new`'s parameters (`name: type`), the fields with
    /// neither a default nor NULL, in schema order.
    pub constructor_params: Vec<String>,
    /// The insert struct's fields as `new` fills them.
    pub constructor_inits: Vec<String>,
    /// More parameters than clippy's `too_many_arguments` allows.
    pub constructor_is_long: bool,
    /// The `<Model>Patch` fields: every column but the key.
    pub patch_fields: Vec<PatchFieldView>,
    /// The owned value of the key parameter (`key`), for a statement built
    /// at run time.
    pub patch_key_bind: String,
    /// Table and key column as SQL names them, as Rust string literals.
    pub table_sql: String,
    pub pk_sql: String,
    /// Non-key fields, in update parameter order (`?2` onwards).
    pub update_fields: Vec<FieldView>,
}

/// The SQL of one table in one dialect, for `schema*.sql`.
#[derive(Debug, Clone)]
pub struct TableView {
    pub comment_lines: Vec<String>,
    pub create: String,
    /// `CREATE INDEX` statements of the table.
    pub indexes: Vec<String>,
}

/// The Rust type of a datetime value, as the `chrono` import names it.
const DATETIME_TYPE: &str = "DateTime<Utc>";

/// The Rust type of a field's value, not counting nullability.
fn value_type(field: &Field) -> String {
    match &field.ty {
        FieldType::Int => "i64".into(),
        FieldType::Float => "f64".into(),
        FieldType::String { .. } | FieldType::Text => "String".into(),
        FieldType::Bool => "bool".into(),
        FieldType::DateTime => DATETIME_TYPE.into(),
        FieldType::Json => "serde_json::Value".into(),
        FieldType::Enum(enum_type) => enum_type.rust_name.clone(),
    }
}

/// The PostgreSQL type a parameter of the field's column is sent as, so a
/// statement needs no prepare round trip to learn it.
pub fn sql_type(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Int => "SqlType::INT8",
        FieldType::Float => "SqlType::FLOAT8",
        FieldType::String { max_len: Some(_) } => "SqlType::VARCHAR",
        FieldType::String { max_len: None } | FieldType::Text | FieldType::Enum(_) => {
            "SqlType::TEXT"
        }
        FieldType::Bool => "SqlType::BOOL",
        FieldType::DateTime => "SqlType::TIMESTAMPTZ",
        FieldType::Json => "SqlType::JSONB",
    }
}

/// The insert struct's field as `insert_many` sends it without the
/// database's help: its default filled in where it is `None`, as the
/// database would fill it (`now`, a local of the function, for
/// `default: now`).
fn filled_bind(field: &Field, dialect: Dialect) -> String {
    let place = ["new.", &field.rust_name].concat();
    let Some(default) = &field.default else {
        return write_bind(field, &place, field.nullable, dialect);
    };
    let filled = match (default, &field.ty) {
        (DefaultValue::Int(n), _) => format!("{place}.unwrap_or({n})"),
        (DefaultValue::Float(f), _) => format!("{place}.unwrap_or({})", format_float(*f)),
        (DefaultValue::Bool(b), _) => format!("{place}.unwrap_or({b})"),
        (DefaultValue::String(text), _) => {
            format!("{place}.as_deref().unwrap_or({})", rust_str(text))
        }
        (DefaultValue::EnumVariant(index), FieldType::Enum(enum_type)) => format!(
            "{place}.unwrap_or({}::{})",
            enum_type.rust_name, enum_type.variants[*index].rust_name
        ),
        (DefaultValue::Now, _) => [&place, ".unwrap_or(now)"].concat(),
        (DefaultValue::EnumVariant(_), _) => unreachable!("validate gives variants only to enums"),
    };
    write_bind(field, &filled, false, dialect)
}

/// `bind` with the field's PostgreSQL parameter type.
fn typed(bind: &str, ty: &FieldType) -> String {
    ["(", bind, ", ", sql_type(ty), ")"].concat()
}

/// How a non-null value of the field's type is passed as a parameter.
fn param_type(field: &Field) -> String {
    match &field.ty {
        FieldType::String { .. } | FieldType::Text => "&str".into(),
        FieldType::Json => "&serde_json::Value".into(),
        _ => value_type(field),
    }
}

/// The bind expression for a non-null value `expr` of the field's type.
/// rusqlite takes values through the codec's wrappers; postgres takes
/// references, and enums as their stored string.
fn bind_value(field: &Field, expr: &str, dialect: Dialect) -> String {
    match (&field.ty, dialect) {
        (FieldType::DateTime, Dialect::Sqlite) => ["Timestamp(", expr, ")"].concat(),
        (FieldType::Json, Dialect::Sqlite) => ["Json(", expr, ")"].concat(),
        (FieldType::Enum(_), Dialect::Postgres) => ["&", expr, ".as_str()"].concat(),
        (_, Dialect::Sqlite) => expr.to_owned(),
        (_, Dialect::Postgres) => ["&", expr].concat(),
    }
}

/// The bind expression for `place` (a field access) holding an `Option` of
/// a type that is bound as it is (not [`is_checked`]).
fn bind_option(field: &Field, place: &str, dialect: Dialect) -> String {
    match (&field.ty, dialect) {
        (FieldType::Enum(enum_type), Dialect::Postgres) => {
            ["&", place, ".map(", &enum_type.rust_name, "::as_str)"].concat()
        }
        (_, Dialect::Sqlite) => place.to_owned(),
        (_, Dialect::Postgres) => ["&", place].concat(),
    }
}

/// The name a table's module gives its table (`pub const TABLE`), in the
/// messages of its errors and checked values: one word for every table,
/// where the name itself made each statement that names it as long as the
/// name (and laid out anew for each length).
const TABLE: &str = "TABLE";

/// Whether values of the type are checked before they are written: the
/// types one engine would store differently from the other, or not read
/// back (see the generated codec's `Storable`).
fn is_checked(ty: &FieldType) -> bool {
    matches!(
        ty,
        FieldType::Float
            | FieldType::String { .. }
            | FieldType::Text
            | FieldType::DateTime
            | FieldType::Json
    )
}

/// The bind expression that writes `place` (an `Option` when `optional`)
/// into the field's column of the module's [`TABLE`]: refused before
/// anything is stored when neither engine can store it faithfully.
fn write_bind(field: &Field, place: &str, optional: bool, dialect: Dialect) -> String {
    if !is_checked(&field.ty) {
        return if optional {
            bind_option(field, place, dialect)
        } else {
            bind_value(field, place, dialect)
        };
    }
    // Joined rather than formatted: views spell a bind per field and
    // statement, and `format!` was a tenth of rendering a large schema.
    let value = match (&field.ty, optional, dialect) {
        (FieldType::DateTime, false, _) => ["Timestamp(", place, ")"].concat(),
        (FieldType::DateTime, true, _) => [place, ".map(Timestamp)"].concat(),
        (FieldType::Json, false, Dialect::Sqlite) => ["Json(&", place, ")"].concat(),
        (FieldType::Json, true, Dialect::Sqlite) => [place, ".as_ref().map(Json)"].concat(),
        _ => place.to_owned(),
    };
    let reference = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => "&",
    };
    [
        reference,
        "Checked::",
        checked_constructor(&field.ty),
        "(",
        TABLE,
        ", ",
        &rust_str(&field.column),
        ", &",
        &value,
        &max_chars(&field.ty),
        ")",
    ]
    .concat()
}

/// The constructor of a checked bind: `with_max` for a `string(n)`
/// column, whose length is checked too.
fn checked_constructor(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::String { max_len: Some(_) } => "with_max",
        _ => "new",
    }
}

/// `, n`, the last argument of `with_max` for a `string(n)` column.
fn max_chars(ty: &FieldType) -> String {
    match ty {
        FieldType::String { max_len: Some(max) } => format!(", {max}"),
        _ => String::new(),
    }
}

/// Reads column `index` of a row of the module's [`TABLE`] into the
/// field's type; a value that is not one is an error naming table, column
/// and value.
fn read_column(field: &Field, index: usize, dialect: Dialect) -> String {
    // The postgres crate reads every schema type, enums included,
    // straight into the field's type.
    let reader = match dialect {
        Dialect::Postgres => "read_column",
        Dialect::Sqlite => sqlite_reader(field),
    };
    [
        reader,
        "(row, ",
        &index.to_string(),
        ", ",
        TABLE,
        ", ",
        &rust_str(&field.column),
        ")?",
    ]
    .concat()
}

/// The codec function that reads a field's column on SQLite.
fn sqlite_reader(field: &Field) -> &'static str {
    match (&field.ty, field.nullable) {
        (FieldType::DateTime, false) => "read_datetime",
        (FieldType::DateTime, true) => "read_optional_datetime",
        (FieldType::Json, false) => "read_json",
        (FieldType::Json, true) => "read_optional_json",
        _ => "read_column",
    }
}

fn field_view(field: &Field, index: usize, dialect: Dialect) -> FieldView {
    let value = value_type(field);
    let optional = ["Option<", &value, ">"].concat();
    let rust_type = if field.nullable {
        optional.clone()
    } else {
        value.clone()
    };
    let is_new_optional = field.nullable || field.default.is_some();
    let new_type = if is_new_optional { optional } else { value };
    let place = |prefix: &str| [prefix, ".", &field.rust_name].concat();
    let bind = write_bind(field, &place("row"), field.nullable, dialect);
    let new_bind = write_bind(field, &place("new"), is_new_optional, dialect);
    let mut docs = rustdoc_lines(field.doc.as_deref());
    if let Some(default) = &field.default {
        if !docs.is_empty() {
            docs.push(String::new());
        }
        let default_text = match default {
            DefaultValue::Now => "the current UTC time".to_owned(),
            DefaultValue::EnumVariant(v) => match &field.ty {
                FieldType::Enum(e) => format!("`{}`", e.variants[*v].value),
                _ => unreachable!("validate gives enum defaults only to enum fields"),
            },
            DefaultValue::Int(n) => format!("`{n}`"),
            DefaultValue::Float(f) => format!("`{}`", format_float(*f)),
            DefaultValue::Bool(b) => format!("`{b}`"),
            DefaultValue::String(s) => format!("`{s:?}`"),
        };
        docs.push(format!("Defaults to {default_text}."));
    }
    FieldView {
        rust_name: field.rust_name.clone(),
        column: field.column.clone(),
        rust_type,
        new_type,
        doc_lines: docs,
        read: read_column(field, index, dialect),
        typed_bind: typed(&bind, &field.ty),
        typed_new_bind: typed(&new_bind, &field.ty),
        filled_bind: filled_bind(field, dialect),
        sql_type: sql_type(&field.ty).to_owned(),
        bind,
        new_bind,
        is_new_optional,
    }
}

/// Builds the statements of one model in one dialect.
pub struct Statements {
    pub insert: String,
    /// The insert without RETURNING, for loading many rows.
    pub insert_many: String,
    pub get: String,
    pub list: String,
    pub count: String,
    pub page: String,
    pub page_after: String,
    pub update: Option<String>,
    pub delete: String,
    pub upsert: Option<String>,
}

fn column_list(model: &Model) -> String {
    model
        .fields
        .iter()
        .map(|f| sql_ident(&f.column))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite's `insert_many`: one `INSERT ... SELECT` of every column an
/// insert gives, from the crate's row function (`src/sqlite_rows.rs`),
/// whose columns `c0`, `c1`, ... are the insert values in schema order.
/// `None` where the insert struct has no fields.
fn insert_many_select(schema: &Schema, model: &Model, dialect: Dialect) -> Option<String> {
    let fields: Vec<&Field> = model.inserted_fields().collect();
    if dialect != Dialect::Sqlite || fields.is_empty() {
        return None;
    }
    let columns: Vec<String> = fields.iter().map(|f| sql_ident(&f.column)).collect();
    let values: Vec<String> = (0..fields.len()).map(|c| format!("c{c}")).collect();
    let function = super::sqlite_rows_function(schema);
    Some(rust_str(&format!(
        "INSERT INTO {} ({}) SELECT {} FROM {function}(?1)",
        sql_ident(&model.table),
        columns.join(", "),
        values.join(", ")
    )))
}

/// The binary COPY of every column an insert gives, on PostgreSQL.
fn copy_sql(model: &Model, dialect: Dialect) -> Option<String> {
    let columns: Vec<String> = model
        .inserted_fields()
        .map(|f| sql_ident(&f.column))
        .collect();
    (dialect == Dialect::Postgres && !columns.is_empty()).then(|| {
        format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            sql_ident(&model.table),
            columns.join(", ")
        )
    })
}

/// The SQL statements of a model's data access.
pub fn statements(model: &Model, dialect: Dialect) -> Statements {
    let table = sql_ident(&model.table);
    let columns = column_list(model);
    let pk = sql_ident(&model.primary_key().column);
    let new_fields: Vec<&Field> = model.inserted_fields().collect();
    let values: Vec<String> = new_fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            match &field.default {
                // A `None` in the insert struct takes the column default.
                // Inside COALESCE the server cannot infer the parameter's
                // type from the column, so the dialect may need a cast.
                Some(default) => format!(
                    "COALESCE({}, {})",
                    dialect.typed_placeholder(i + 1, &field.ty),
                    dialect.default_sql(field, default)
                ),
                None => dialect.placeholder(i + 1),
            }
        })
        .collect();
    let insert_head = if new_fields.is_empty() {
        format!("INSERT INTO {table} DEFAULT VALUES")
    } else {
        let names: Vec<String> = new_fields.iter().map(|f| sql_ident(&f.column)).collect();
        format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        )
    };
    let others: Vec<&Field> = model.fields.iter().filter(|f| !f.primary_key).collect();
    let update = (!others.is_empty()).then(|| {
        let sets: Vec<String> = others
            .iter()
            .enumerate()
            .map(|(i, f)| format!("{} = {}", sql_ident(&f.column), dialect.placeholder(i + 2)))
            .collect();
        format!(
            "UPDATE {table} SET {} WHERE {pk} = {}",
            sets.join(", "),
            dialect.placeholder(1)
        )
    });
    let pk_field = model.primary_key();
    let upsert = (!pk_field.autoincrement && !others.is_empty()).then(|| {
        let sets: Vec<String> = others
            .iter()
            .map(|f| format!("{0} = excluded.{0}", sql_ident(&f.column)))
            .collect();
        format!(
            "{insert_head} ON CONFLICT ({pk}) DO UPDATE SET {} RETURNING {columns}",
            sets.join(", ")
        )
    });
    Statements {
        insert: format!("{insert_head} RETURNING {columns}"),
        insert_many: insert_head.clone(),
        get: format!(
            "SELECT {columns} FROM {table} WHERE {pk} = {}",
            dialect.placeholder(1)
        ),
        list: format!("SELECT {columns} FROM {table} ORDER BY {pk}"),
        count: format!("SELECT count(*) FROM {table}"),
        page: format!(
            "SELECT {columns} FROM {table} ORDER BY {pk} LIMIT {}",
            dialect.placeholder(1)
        ),
        page_after: format!(
            "SELECT {columns} FROM {table} WHERE {pk} > {} ORDER BY {pk} LIMIT {}",
            dialect.placeholder(1),
            dialect.placeholder(2)
        ),
        update,
        delete: format!(
            "DELETE FROM {table} WHERE {pk} = {}",
            dialect.placeholder(1)
        ),
        upsert,
    }
}

/// The SQL of a finder: equality on the lookup columns, ordered by the
/// index's last column where it returns a list, then by the key, both in
/// the index's direction.
pub fn finder_sql(
    model: &Model,
    columns: &[usize],
    order: Option<usize>,
    descending: bool,
    dialect: Dialect,
) -> String {
    let table = sql_ident(&model.table);
    let pk = sql_ident(&model.primary_key().column);
    let conditions: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            format!(
                "{} = {}",
                sql_ident(&model.fields[c].column),
                dialect.placeholder(i + 1)
            )
        })
        .collect();
    let mut sql = format!(
        "SELECT {} FROM {table} WHERE {}",
        column_list(model),
        conditions.join(" AND ")
    );
    let direction = if descending { " DESC" } else { "" };
    match order {
        Some(column) => {
            let column = sql_ident(&model.fields[column].column);
            sql.push_str(&format!(" ORDER BY {column}{direction}, {pk}{direction}"));
        }
        None if columns.len() == 1 && !model.fields[columns[0]].unique => {
            sql.push_str(&format!(" ORDER BY {pk}{direction}"));
        }
        None => {}
    }
    sql
}

/// One parameter for a column value.
fn param_view(field: &Field, dialect: Dialect) -> ParamView {
    param_view_among(field, dialect, &[])
}

/// A parameter for `field` whose name differs from the connection
/// parameter of either backend (`conn`, `client`), from the closure
/// parameters beside it (`statement`, `error`) and from `taken`, the
/// parameters before it.
fn param_view_among(field: &Field, dialect: Dialect, taken: &[ParamView]) -> ParamView {
    let mut name = field.rust_name.clone();
    if matches!(unraw(&name), "conn" | "client" | "statement" | "error") {
        name = format!("{}_value", unraw(&name));
    }
    while taken.iter().any(|p| p.name == name) {
        name = format!("{}_", unraw(&name));
    }
    let bind = bind_value(field, &name, dialect);
    ParamView {
        typed_bind: typed(&bind, &field.ty),
        bind,
        ty: param_type(field),
        name,
    }
}

/// The finders of a model: unique columns, then indexes in schema order.
pub fn finders(model: &Model, dialect: Dialect) -> Vec<FinderView> {
    let mut finders = Vec::new();
    let mut add = |name: String,
                   doc: String,
                   columns: &[usize],
                   order: Option<usize>,
                   descending: bool,
                   one: bool| {
        let const_name = format!("{}_SQL", unraw(&name).to_uppercase());
        let mut params: Vec<ParamView> = Vec::new();
        for &c in columns {
            let param = param_view_among(&model.fields[c], dialect, &params);
            params.push(param);
        }
        finders.push(FinderView {
            doc_lines: wrap_words(&doc, 76),
            binds: params
                .iter()
                .map(|p| match dialect {
                    Dialect::Sqlite => p.bind.clone(),
                    Dialect::Postgres => p.typed_bind.clone(),
                })
                .collect(),
            const_name,
            sql_literal: rust_str(&finder_sql(model, columns, order, descending, dialect)),
            params,
            returns_one: one,
            name,
        });
    };
    for (index, field) in model.fields.iter().enumerate() {
        if field.unique && !field.primary_key {
            add(
                join_ident(&["get_by", &field.rust_name]),
                format!(
                    "The row whose unique `{}` is the given value.",
                    field.column
                ),
                &[index],
                None,
                false,
                true,
            );
        }
    }
    for index in &model.indexes {
        add(
            finder_name(model, index),
            finder_doc(model, index),
            index.lookup_columns(),
            index.order_column(),
            index.descending,
            index.unique,
        );
    }
    // The children of a parent row, per foreign key, unless an index's
    // finder of that name already lists them.
    for (position, field) in model.fields.iter().enumerate() {
        if field.foreign_key.is_none() || field.primary_key {
            continue;
        }
        let name = join_ident(&["list_by", &field.rust_name]);
        if model
            .indexes
            .iter()
            .any(|index| finder_name(model, index) == name)
        {
            continue;
        }
        let pk = &model.primary_key().column;
        let doc = format!(
            "The rows whose `{}` is the given key, in `{pk}` order. {}",
            field.column,
            serving_index(model, position)
        );
        add(name, doc, &[position], None, false, false);
    }
    finders
}

/// Which index serves a lookup on one column, in words, or that none does.
fn serving_index(model: &Model, column: usize) -> String {
    let field = &model.fields[column];
    if field.unique {
        return "The unique constraint's index serves it.".to_owned();
    }
    match model
        .indexes
        .iter()
        .find(|index| index.columns.first() == Some(&column))
    {
        Some(index) => format!("Index `{}` serves it.", index.name),
        None => format!(
            "No index serves it, so it reads the whole table: on a large table, add an index on `{}` under `indexes:`.",
            field.column
        ),
    }
}

fn finder_doc(model: &Model, index: &Index) -> String {
    let names = |columns: &[usize]| {
        columns
            .iter()
            .map(|&c| format!("`{}`", model.fields[c].column))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let lookup = names(index.lookup_columns());
    match index.order_column() {
        _ if index.unique => format!(
            "The row with the given {lookup}, through index `{}`.",
            index.name
        ),
        Some(order) => format!(
            "The rows with the given {lookup}, {} `{}` first, through index `{}`.",
            match (index.descending, &model.fields[order].ty) {
                (true, FieldType::DateTime) => "newest",
                (false, FieldType::DateTime) => "oldest",
                (true, _) => "highest",
                (false, _) => "lowest",
            },
            model.fields[order].column,
            index.name
        ),
        None => format!(
            "The rows with the given {lookup}, {} first, through index `{}`.",
            if index.descending { "newest" } else { "oldest" },
            index.name
        ),
    }
}

fn relations(schema: &Schema, model: &Model) -> Vec<RelationView> {
    model
        .fields
        .iter()
        .filter_map(|field| {
            let fk = field.foreign_key.as_ref()?;
            let parent = &schema.models[fk.model];
            let target = &parent.fields[fk.field];
            let parent_getter = if target.primary_key {
                "get".to_owned()
            } else {
                join_ident(&["get_by", &target.rust_name])
            };
            let place = format!("row.{}", field.rust_name);
            let textual = matches!(field.ty, FieldType::String { .. } | FieldType::Text);
            let key_arg = match (field.nullable, textual) {
                (false, false) => place,
                (false, true) => format!("&{place}"),
                (true, false) => place,
                (true, true) => format!("{place}.as_deref()"),
            };
            Some(RelationView {
                parent_getter_sql: format!("{}_SQL", unraw(&parent_getter).to_uppercase()),
                fn_name: join_ident(&["load", &fk.relation]),
                field: field.column.clone(),
                field_rust: field.rust_name.clone(),
                parent_type: parent.name.clone(),
                parent_module: parent.module.clone(),
                parent_getter,
                nullable: field.nullable,
                key_arg,
                key_sql_type: sql_type(&target.ty).to_owned(),
            })
        })
        .collect()
}

fn enums(model: &Model) -> Vec<EnumView> {
    model
        .fields
        .iter()
        .filter_map(|field| match &field.ty {
            FieldType::Enum(enum_type) => Some(EnumView {
                rust_name: enum_type.rust_name.clone(),
                has_default: field.default.is_some(),
                column: field.column.clone(),
                variants: enum_type
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| VariantView {
                        rust_name: v.rust_name.clone(),
                        value_literal: rust_str(&v.value),
                        is_default: field.default == Some(DefaultValue::EnumVariant(i)),
                    })
                    .collect(),
            }),
            _ => None,
        })
        .collect()
}

/// The `use` lines a model module needs, so none is unused.
fn imports(
    model: &Model,
    relations: &[RelationView],
    enums: &[EnumView],
    params: &[&ParamView],
    dialect: Dialect,
) -> (Vec<String>, Vec<String>) {
    let has = |ty: fn(&FieldType) -> bool| model.fields.iter().any(|f| ty(&f.ty));
    let has_datetime = has(|t| matches!(t, FieldType::DateTime));
    let has_json = has(|t| matches!(t, FieldType::Json));
    let has_enum = has(|t| matches!(t, FieldType::Enum(_)));
    let mut codec = Vec::new();
    if dialect == Dialect::Sqlite {
        let mut readers: Vec<&str> = model.fields.iter().map(sqlite_reader).collect();
        readers.sort();
        readers.dedup();
        codec.extend(readers);
    }
    if has(is_checked) {
        codec.push("Checked");
    }
    // A patch binds owned values of every column but the key.
    if model
        .fields
        .iter()
        .any(|f| !f.primary_key && is_checked(&f.ty))
    {
        codec.push("CheckedValue");
    }
    if has_json && dialect == Dialect::Sqlite {
        codec.push("Json");
    }
    if has_datetime {
        codec.push("Timestamp");
    }
    if has_enum && dialect == Dialect::Sqlite {
        codec.push("UnknownVariant");
    }
    let (imports, mut crate_imports) = match dialect {
        Dialect::Sqlite => sqlite_imports(model, relations, has_datetime, has_enum),
        Dialect::Postgres => postgres_imports(model, relations, enums, params),
    };
    match codec.as_slice() {
        [] => {}
        [one] => crate_imports.insert(0, format!("use crate::codec::{one};")),
        many => crate_imports.insert(0, format!("use crate::codec::{{{}}};", many.join(", "))),
    }
    // In the order rustfmt sorts them.
    let mut imports = imports;
    imports.sort_by(|a, b| super::layout::compare_use_paths(a, b));
    crate_imports.sort_by(|a, b| super::layout::compare_use_paths(a, b));
    crate_imports.dedup();
    (imports, crate_imports)
}

/// The SQLite module defines the row types, so it needs every value type.
fn sqlite_imports(
    model: &Model,
    relations: &[RelationView],
    has_datetime: bool,
    has_enum: bool,
) -> (Vec<String>, Vec<String>) {
    let mut imports = Vec::new();
    if has_datetime {
        imports.push("use chrono::{DateTime, Utc};".to_owned());
    }
    if has_enum {
        imports.push(
            "use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};"
                .to_owned(),
        );
    }
    imports.push("use rusqlite::{params, Connection, OptionalExtension, Row};".to_owned());
    let mut crate_imports = vec!["use crate::Result;".to_owned()];
    // `insert_many` reads its rows through the crate's row function.
    if model.inserted_fields().next().is_some() {
        crate_imports.push("use crate::sqlite_rows;".to_owned());
    }
    let parents = relations
        .iter()
        .filter(|r| r.parent_type != model.name)
        .map(|r| format!("use crate::{}::{};", r.parent_module, r.parent_type));
    crate_imports.extend(parents);
    (imports, crate_imports)
}

/// The PostgreSQL module reuses the row types of the crate root; it names
/// `DateTime` only where a finder takes one.
fn postgres_imports(
    model: &Model,
    relations: &[RelationView],
    enums: &[EnumView],
    params: &[&ParamView],
) -> (Vec<String>, Vec<String>) {
    let mut imports = Vec::new();
    if params.iter().any(|p| p.ty == DATETIME_TYPE) {
        imports.push("use chrono::{DateTime, Utc};".to_owned());
    }
    if model.inserted_fields().next().is_some() {
        imports.push("use postgres::binary_copy::BinaryCopyInWriter;".to_owned());
    }
    imports.push("use postgres::Row;".to_owned());
    // Renamed: a model may be named `Type`.
    let types = if enums.is_empty() {
        "use postgres::types::Type as SqlType;"
    } else {
        "use postgres::types::{FromSql, Type as SqlType};"
    };
    imports.push(types.to_owned());
    let mut types = vec![model.name.clone(), format!("New{}", model.name)];
    if model.fields.iter().any(|f| !f.primary_key) {
        types.push(format!("{}Patch", model.name));
    }
    types.extend(enums.iter().map(|e| e.rust_name.clone()));
    types.extend(
        relations
            .iter()
            .filter(|r| r.parent_type != model.name)
            .map(|r| r.parent_type.clone()),
    );
    types.push("Result".to_owned());
    types.sort_by(|a, b| super::layout::compare_segments(a, b));
    types.dedup();
    let crate_imports = vec![
        format!("use crate::{{{}}};", types.join(", ")),
        "use crate::postgres::{read_column, Executor};".to_owned(),
    ];
    (imports, crate_imports)
}

/// An owned bind of `value`, a reference to the field's value (an
/// `Option` when nullable), for a statement built at run time.
fn owned_bind(field: &Field, dialect: Dialect) -> String {
    let nullable = field.nullable;
    let value = match (&field.ty, nullable, dialect) {
        (FieldType::String { .. } | FieldType::Text, _, _) => "value.clone()".to_owned(),
        (FieldType::DateTime, false, _) => "Timestamp(*value)".to_owned(),
        (FieldType::DateTime, true, _) => "value.map(Timestamp)".to_owned(),
        (FieldType::Json, false, Dialect::Sqlite) => "Json(value.clone())".to_owned(),
        (FieldType::Json, true, Dialect::Sqlite) => "value.clone().map(Json)".to_owned(),
        (FieldType::Json, _, Dialect::Postgres) => "value.clone()".to_owned(),
        (FieldType::Enum(_), false, Dialect::Postgres) => "value.as_str()".to_owned(),
        (FieldType::Enum(e), true, Dialect::Postgres) => {
            format!("value.map({}::as_str)", e.rust_name)
        }
        _ => "*value".to_owned(),
    };
    if is_checked(&field.ty) {
        format!(
            "CheckedValue::{}({TABLE}, {}, {value}{})",
            checked_constructor(&field.ty),
            rust_str(&field.column),
            max_chars(&field.ty)
        )
    } else {
        value
    }
}

/// `New<Model>::new`: a parameter per required field, text taken as
/// `impl Into<String>`; every other field starts as `None`.
fn constructor(model: &Model) -> (Vec<String>, Vec<String>) {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for field in model.inserted_fields() {
        let name = &field.rust_name;
        if field.nullable || field.default.is_some() {
            inits.push(format!("{name}: None"));
            continue;
        }
        if matches!(field.ty, FieldType::String { .. } | FieldType::Text) {
            params.push(format!("{name}: impl Into<String>"));
            inits.push(format!("{name}: {name}.into()"));
        } else {
            params.push(format!("{name}: {}", value_type(field)));
            inits.push(name.clone());
        }
    }
    (params, inits)
}

/// The foreign key values of `place` (a row, insert or patch), as a
/// `params![...]` list; `depth` is how many `Option`s wrap a value of a
/// non-null column there.
/// A field `place` lacks (the key, which a patch cannot change, or one the
/// database assigns) gives NULL: a foreign key it cannot have broken.
fn reference_keys(
    model: &Model,
    place: &str,
    depth: impl Fn(&Field) -> usize,
    has: impl Fn(&Field) -> bool,
) -> String {
    let keys: Vec<String> = model
        .fields
        .iter()
        .filter(|field| field.foreign_key.is_some())
        .map(|field| {
            if !has(field) {
                return "rusqlite::types::Null".to_owned();
            }
            let value = format!("{place}.{}", field.rust_name);
            let depth = depth(field) + usize::from(field.nullable);
            match (&field.ty, depth) {
                (FieldType::DateTime, 0) => format!("Timestamp({value})"),
                (FieldType::DateTime, 1) => format!("{value}.map(Timestamp)"),
                (FieldType::DateTime, _) => format!("{value}.flatten().map(Timestamp)"),
                _ => value,
            }
        })
        .collect();
    if keys.is_empty() {
        "&[]".to_owned()
    } else {
        format!("params![{}]", keys.join(", "))
    }
}

/// The view of one model.
pub fn model_view(schema: &Schema, model: &Model, dialect: Dialect) -> ModelView {
    let fields: Vec<FieldView> = model
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| field_view(f, i, dialect))
        .collect();
    let new_fields: Vec<FieldView> = model
        .fields
        .iter()
        .zip(&fields)
        .filter(|(f, _)| !f.is_generated())
        .map(|(_, v)| v.clone())
        .collect();
    let enums = enums(model);
    let mut exports = vec![model.name.clone(), format!("New{}", model.name)];
    if model.fields.iter().any(|f| !f.primary_key) {
        exports.push(format!("{}Patch", model.name));
    }
    exports.extend(enums.iter().map(|e| e.rust_name.clone()));
    let update_fields = model
        .fields
        .iter()
        .zip(&fields)
        .filter(|(f, _)| !f.primary_key)
        .map(|(_, v)| v.clone())
        .collect();
    let statements = statements(model, dialect);
    let finders = finders(model, dialect);
    let relations = relations(schema, model);
    let pk_field = model.primary_key();
    let pk_param = param_view(pk_field, dialect);
    // Every parameter a function of the module takes besides rows.
    let params: Vec<&ParamView> = finders
        .iter()
        .flat_map(|f| &f.params)
        .chain([&pk_param])
        .collect();
    let (imports, crate_imports) = imports(model, &relations, &enums, &params, dialect);
    let (constructor_params, constructor_inits) = constructor(model);
    let patch_fields = model
        .fields
        .iter()
        .filter(|f| !f.primary_key)
        .map(|f| {
            let value = value_type(f);
            PatchFieldView {
                rust_name: f.rust_name.clone(),
                patch_type: if f.nullable {
                    format!("Option<Option<{value}>>")
                } else {
                    format!("Option<{value}>")
                },
                column_sql: rust_str(&sql_ident(&f.column)),
                bind: owned_bind(f, dialect),
                sql_type: sql_type(&f.ty).to_owned(),
            }
        })
        .collect();
    let patch_key_bind = if matches!(pk_field.ty, FieldType::String { .. } | FieldType::Text) {
        "key.to_owned()".to_owned()
    } else {
        "key".to_owned()
    };
    ModelView {
        table_literal: rust_str(&model.table),
        reference_keys_new: reference_keys(
            model,
            "new",
            |field| usize::from(field.default.is_some() && !field.nullable),
            |field| !field.is_generated(),
        ),
        reference_keys_row: reference_keys(model, "row", |_| 0, |_| true),
        reference_keys_patch: reference_keys(model, "patch", |_| 1, |field| !field.primary_key),
        table_sql: rust_str(&sql_ident(&model.table)),
        pk_sql: rust_str(&sql_ident(&pk_field.column)),
        patch_fields,
        patch_key_bind,
        constructor_is_long: constructor_params.len() > 7,
        constructor_params,
        constructor_inits,
        name: model.name.clone(),
        new_name: format!("New{}", model.name),
        table: model.table.clone(),
        module: model.module.clone(),
        doc_lines: rustdoc_lines(model.doc.as_deref()),
        pk: fields[model.primary_key].clone(),
        pk_param,
        any_new_optional: new_fields.iter().any(|f| f.is_new_optional),
        fields,
        new_fields,
        update_fields,
        exports,
        enums,
        imports,
        crate_imports,
        insert_sql: rust_str(&statements.insert),
        insert_many_sql: rust_str(&statements.insert_many),
        get_sql: rust_str(&statements.get),
        list_sql: rust_str(&statements.list),
        count_sql: rust_str(&statements.count),
        page_sql: rust_str(&statements.page),
        page_after_sql: rust_str(&statements.page_after),
        page_key_bind: bind_value(pk_field, "key", dialect),
        page_key_typed_bind: typed(&bind_value(pk_field, "key", dialect), &pk_field.ty),
        pk_sql_type: sql_type(&pk_field.ty).to_owned(),
        copy_sql: copy_sql(model, dialect).map(|sql| rust_str(&sql)),
        insert_many_select: insert_many_select(schema, model, dialect),
        fills_defaults: model
            .fields
            .iter()
            .any(|f| !f.is_generated() && f.default.is_some()),
        fills_now: model
            .fields
            .iter()
            .any(|f| !f.is_generated() && f.default == Some(DefaultValue::Now)),
        columns_literal: rust_str(&column_list(model)),
        update_sql: statements.update.as_deref().map(rust_str),
        delete_sql: rust_str(&statements.delete),
        upsert_sql: statements.upsert.as_deref().map(rust_str),
        finders,
        relations,
    }
}

/// The DDL of one table in `dialect`.
pub fn table_view(schema: &Schema, model: &Model, dialect: Dialect) -> TableView {
    let create = crate::ddl::create_table(schema, model, &model.table, dialect, true);
    let indexes = model
        .indexes
        .iter()
        .map(|index| crate::ddl::create_index(model, index, true))
        .collect();
    let mut comment_lines = vec![format!("{} ({})", model.table, model.name)];
    comment_lines.extend(doc_lines(model.doc.as_deref()));
    TableView {
        comment_lines: comment_lines
            .into_iter()
            .map(|l| format!("-- {l}").trim_end().to_owned())
            .collect(),
        create,
        indexes,
    }
}

/// One table in the generated README.
#[derive(Debug, Clone)]
pub struct ReadmeTable {
    pub table: String,
    pub model: String,
    /// The first line of the model's doc, made safe for a table cell.
    pub purpose: String,
    /// Mermaid attribute lines: type, name, PK/FK/UK.
    pub columns: Vec<String>,
}

/// The tables, in creation order, and the Mermaid relation lines of the
/// generated README.
pub fn readme_view(schema: &Schema) -> (Vec<ReadmeTable>, Vec<String>) {
    let tables = schema
        .models_in_creation_order()
        .map(|model| ReadmeTable {
            table: model.table.clone(),
            model: model.name.clone(),
            purpose: model
                .doc
                .as_deref()
                .and_then(|doc| doc.lines().find(|line| !line.trim().is_empty()))
                .map_or_else(String::new, |line| line.trim().replace('|', "\\|")),
            columns: model
                .fields
                .iter()
                .map(|field| {
                    let mut keys = Vec::new();
                    if field.primary_key {
                        keys.push("PK");
                    }
                    if field.foreign_key.is_some() {
                        keys.push("FK");
                    }
                    if field.unique && !field.primary_key {
                        keys.push("UK");
                    }
                    let ty = match &field.ty {
                        FieldType::String { .. } => "string".to_owned(),
                        other => other.schema_name(),
                    };
                    format!("{ty} {} {}", field.column, keys.join(", "))
                        .trim_end()
                        .to_owned()
                })
                .collect(),
        })
        .collect();
    let mut relations = Vec::new();
    for model in schema.models_in_creation_order() {
        for field in &model.fields {
            let Some(fk) = &field.foreign_key else {
                continue;
            };
            let parent = &schema.models[fk.model];
            let parent_side = if field.nullable { "|o" } else { "||" };
            let child_side = if field.unique || field.primary_key {
                "o|"
            } else {
                "o{"
            };
            relations.push(format!(
                "{} {parent_side}--{child_side} {} : {}",
                parent.table, model.table, field.column
            ));
        }
    }
    (tables, relations)
}

#[cfg(test)]
mod tests {
    use super::rust_str;

    #[test]
    fn a_rust_string_literal_escapes_as_debug_does() {
        let texts = [
            "",
            "order_items",
            "SELECT \"order\" FROM t WHERE a = ?1",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "caf\u{e9}",
            "nul\0",
            "it's ~ { } %",
        ];
        for text in texts {
            assert_eq!(rust_str(text), format!("{text:?}"), "{text}");
        }
        // Every ASCII byte, alone and between letters.
        for b in 0..=127u8 {
            let text = format!("a{}b", char::from(b));
            assert_eq!(rust_str(&text), format!("{text:?}"), "{b}");
        }
    }
}
