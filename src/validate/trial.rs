//! The trial: an accepted schema's SQLite DDL applied to an in-memory
//! database, and the generated tests' seed rows inserted into it, parents
//! first. A check that refuses the rows the tests would insert is found
//! here, pointed at in schema.yaml, rather than in a failing generated
//! test the user cannot change.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use crate::ddl::{create_index, create_table, sqlite_check_words};
use crate::dialect::Dialect;
use crate::ir::Schema;
use crate::naming::sql_ident;
use crate::sample::Sample;

/// A seed row the trial inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialRow {
    /// The row's number.
    pub n: i64,
    /// Whether the columns with a default take it, as in the generated
    /// test of defaults.
    pub defaults: bool,
}

/// The rows tried: a test's own first row, one numbered as high as a
/// test numbers its own rows ([`LAST_TEST_ROW`]; a table that others refer
/// to [`LAST_PARENT_ROW`]), and one taking the defaults.
pub const TRIAL_ROWS: [TrialRow; 3] = [
    TrialRow {
        n: 1,
        defaults: false,
    },
    TrialRow {
        n: LAST_TEST_ROW,
        defaults: false,
    },
    TrialRow {
        n: 2,
        defaults: true,
    },
];

/// The highest number a test gives a row of its own table.
pub const LAST_TEST_ROW: i64 = 10;

/// The highest number a test run gives the parent rows it inserts along
/// the way (they count up from 1,000 across the run).
pub const LAST_PARENT_ROW: i64 = 10_000;

/// What refused a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Refuser {
    /// The table check at this index of the model's `checks`.
    TableCheck(usize),
    /// The check SQLite keeps for the type of the field at this index (a
    /// `string(n)`'s length).
    FieldType(usize),
    /// Anything else SQLite said, which accepted schemas should never meet.
    Sqlite(String),
}

/// A seed row SQLite refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// Index of the model in the schema.
    pub model: usize,
    /// One of [`TRIAL_ROWS`].
    pub row: TrialRow,
    pub refuser: Refuser,
    /// `column = value` for each column the refuser reads, in field order.
    pub values: Vec<(usize, String)>,
}

/// A value as SQL writes it, for a message.
fn sql_literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => crate::dialect::format_float(*x),
        Value::Text(text) => crate::naming::sql_string(text),
        Value::Blob(bytes) => format!("a blob of {} bytes", bytes.len()),
    }
}

/// Which check of `schema.models[model]` SQLite's `message` names.
fn refuser(schema: &Schema, model: usize, message: &str) -> Refuser {
    let model_ref = &schema.models[model];
    let Some(words) = message.strip_prefix("CHECK constraint failed: ") else {
        return Refuser::Sqlite(message.to_owned());
    };
    if let Some(index) = model_ref.checks.iter().position(|c| c.name == words) {
        return Refuser::TableCheck(index);
    }
    let field = model_ref.fields.iter().position(|field| {
        Dialect::Sqlite
            .type_checks(field)
            .iter()
            .any(|text| sqlite_check_words(text) == words)
    });
    match field {
        Some(index) => Refuser::FieldType(index),
        None => Refuser::Sqlite(message.to_owned()),
    }
}

/// Every check of the model that `values` (of `columns`, as the insert
/// gives them) fail: SQLite's insert names only the first.
fn failing_checks(
    conn: &Connection,
    schema: &Schema,
    model: usize,
    columns: &[String],
    values: &[Value],
    defaults: bool,
) -> Vec<Refuser> {
    let model_ref = &schema.models[model];
    let mut row: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("?{} AS {column}", i + 1))
        .collect();
    if defaults {
        for field in &model_ref.fields {
            if let Some(default) = &field.default {
                let value = Dialect::Sqlite.default_clause(field, default);
                row.push(format!("{value} AS {}", sql_ident(&field.column)));
            }
        }
    }
    // A check fails only when false; NULL passes, as in a table.
    let fails = |expr: &str| {
        let query = format!("SELECT ({expr}) IS 0 FROM (SELECT {})", row.join(", "));
        // A row of no columns cannot be selected; nothing reads it either.
        if row.is_empty() {
            return false;
        }
        conn.query_row(&query, params_from_iter(values), |row| {
            row.get::<_, bool>(0)
        })
        .unwrap_or(false)
    };
    let mut failing = Vec::new();
    for (index, field) in model_ref.fields.iter().enumerate() {
        if !field.is_generated()
            && Dialect::Sqlite
                .type_checks(field)
                .iter()
                .any(|text| fails(text))
        {
            failing.push(Refuser::FieldType(index));
        }
    }
    for (index, check) in model_ref.checks.iter().enumerate() {
        if fails(&Dialect::Sqlite.check_sql(model_ref, &check.expr)) {
            failing.push(Refuser::TableCheck(index));
        }
    }
    failing
}

/// Inserts row `trial_row` of `schema.models[index]`, whose parents'
/// rows are `parents` (`None` where a parent was refused); gives the row
/// as stored, or what refused it (empty when a parent was refused).
fn insert_row<'conn>(
    conn: &'conn Connection,
    last_insert: &mut Option<(String, rusqlite::Statement<'conn>)>,
    schema: &Schema,
    index: usize,
    trial_row: TrialRow,
    parents: &[Option<Vec<Value>>],
) -> Result<Vec<Value>, Vec<Refusal>> {
    let model = &schema.models[index];
    let n = trial_row.n;
    let takes_default = |field: &crate::ir::Field| trial_row.defaults && field.default.is_some();
    let mut given = Vec::new();
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for (position, field) in model.fields.iter().enumerate() {
        if field.is_generated() || takes_default(field) {
            continue;
        }
        let value = match &field.foreign_key {
            // A row cannot point at itself before it exists.
            Some(key) if key.model == index => Value::Null,
            Some(key) => match &parents[key.model] {
                Some(parent) => parent[key.field].clone(),
                None => return Err(Vec::new()),
            },
            None => Sample::of(model, position).stored(field, n),
        };
        given.push(position);
        columns.push(sql_ident(&field.column));
        values.push(value);
    }
    let all: Vec<String> = model.fields.iter().map(|f| sql_ident(&f.column)).collect();
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    let given_sql = if columns.is_empty() {
        "DEFAULT VALUES".to_owned()
    } else {
        format!(
            "({}) VALUES ({})",
            columns.join(", "),
            placeholders.join(", ")
        )
    };
    let insert = format!(
        "INSERT INTO {} {given_sql} RETURNING {}",
        sql_ident(&model.table),
        all.join(", ")
    );
    let width = model.fields.len();
    // Rows 1 and 10 give the same columns: the second runs the statement
    // the first prepared.
    if last_insert.as_ref().is_none_or(|(sql, _)| *sql != insert) {
        *last_insert = None;
        match conn.prepare(&insert) {
            Ok(statement) => *last_insert = Some((insert, statement)),
            Err(error) => {
                return Err(refusals(
                    conn, schema, index, trial_row, given, columns, values, error,
                ))
            }
        }
    }
    let (_, statement) = last_insert.as_mut().expect("prepared above");
    let error = match statement.query_row(params_from_iter(&values), |row| {
        (0..width).map(|i| row.get::<_, Value>(i)).collect()
    }) {
        Ok(row) => return Ok(row),
        Err(error) => error,
    };
    Err(refusals(
        conn, schema, index, trial_row, given, columns, values, error,
    ))
}

/// What refused row `trial_row` of `schema.models[index]`, which gave
/// `values` to the fields at `given` (as `columns`), SQLite saying `error`.
#[allow(clippy::too_many_arguments)]
fn refusals(
    conn: &Connection,
    schema: &Schema,
    index: usize,
    trial_row: TrialRow,
    given: Vec<usize>,
    columns: Vec<String>,
    values: Vec<Value>,
    error: rusqlite::Error,
) -> Vec<Refusal> {
    let model = &schema.models[index];
    let message = match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    };
    let named = refuser(schema, index, &message);
    let mut refusers = match named {
        Refuser::Sqlite(_) => Vec::new(),
        _ => failing_checks(conn, schema, index, &columns, &values, trial_row.defaults),
    };
    if refusers.is_empty() {
        refusers.push(named);
    }
    let shown = |read: Vec<usize>| -> Vec<(usize, String)> {
        read.into_iter()
            .map(|field| match given.iter().position(|&i| i == field) {
                Some(at) => (field, sql_literal(&values[at])),
                None => {
                    let field_ref = &model.fields[field];
                    let default = field_ref
                        .default
                        .as_ref()
                        .map_or("NULL".to_owned(), |default| {
                            Dialect::Sqlite.default_clause(field_ref, default)
                        });
                    (field, format!("{default}, its default"))
                }
            })
            .collect()
    };
    refusers
        .into_iter()
        .map(|refuser| {
            let read = match &refuser {
                Refuser::TableCheck(check) => model.checks[*check].expr.columns(),
                Refuser::FieldType(field) => vec![*field],
                Refuser::Sqlite(_) => Vec::new(),
            };
            Refusal {
                model: index,
                row: trial_row,
                refuser,
                values: shown(read),
            }
        })
        .collect()
}

/// Applies each table's SQLite DDL to an in-memory database and inserts
/// its seed rows [`TRIAL_ROWS`], parents first, each row pointing at its
/// parents' row of the same kind; gives every refused row (a refused
/// table's children are not tried).
pub fn run(schema: &Schema) -> Vec<Refusal> {
    let sqlite_error = |model: usize, error: rusqlite::Error| Refusal {
        model,
        row: TRIAL_ROWS[0],
        refuser: Refuser::Sqlite(error.to_string()),
        values: Vec::new(),
    };
    let mut is_parent = vec![false; schema.models.len()];
    for (index, model) in schema.models.iter().enumerate() {
        for key in model.fields.iter().filter_map(|f| f.foreign_key.as_ref()) {
            if key.model != index {
                is_parent[key.model] = true;
            }
        }
    }
    // Per trial row, each table's row as stored, for its children.
    let mut stored: Vec<Vec<Option<Vec<Value>>>> =
        vec![vec![None; schema.models.len()]; TRIAL_ROWS.len()];
    let mut refusals = Vec::new();
    for batch in schema.creation_order.chunks(TABLES_PER_DATABASE) {
        let conn = match open_trial_database() {
            Ok(conn) => conn,
            Err(error) => {
                refusals.push(sqlite_error(batch[0], error));
                break;
            }
        };
        for &index in batch {
            let model = &schema.models[index];
            let mut ddl = create_table(schema, model, &model.table, Dialect::Sqlite, false);
            for table_index in &model.indexes {
                ddl.push('\n');
                ddl.push_str(&create_index(model, table_index, false));
                ddl.push(';');
            }
            if let Err(error) = conn.execute_batch(&ddl) {
                refusals.push(sqlite_error(index, error));
                continue;
            }
            let mut last_insert = None;
            for (kind, trial_row) in TRIAL_ROWS.into_iter().enumerate() {
                let n = match trial_row.n {
                    LAST_TEST_ROW if is_parent[index] => LAST_PARENT_ROW,
                    n => n,
                };
                let trial_row = TrialRow { n, ..trial_row };
                let parents = &stored[kind];
                match insert_row(&conn, &mut last_insert, schema, index, trial_row, parents) {
                    Ok(row) => stored[kind][index] = Some(row),
                    Err(refused) => {
                        refusals.extend(refused);
                        break;
                    }
                }
            }
        }
    }
    refusals
}

/// How many tables one trial database holds before the next is opened:
/// SQLite's `CREATE INDEX` reads the whole schema table, so one database
/// of 10,000 tables would make the trial quadratic. Opening a database
/// every few dozen tables saves a `DROP TABLE` a table (with one prepared
/// insert for rows 1 and 10, `validate` of 1,000 models took 0.95x).
const TABLES_PER_DATABASE: usize = 32;

/// An empty in-memory database for the trial, in a transaction that is
/// never committed: the database is thrown away, and a statement outside
/// a transaction would pay for one of its own. Foreign keys are off: a
/// table's parents may be in an earlier database, and the children take
/// the keys their parents' rows were stored with.
fn open_trial_database() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "foreign_keys", false)?;
    conn.execute_batch("BEGIN")?;
    Ok(conn)
}

impl super::Validator {
    /// Records `refusal` at what refused the row: the check's expression,
    /// or the field's example or type.
    pub(super) fn refused(&mut self, schema: &Schema, refusal: &Refusal) {
        use crate::source_map::YamlPath;

        let model = &schema.models[refusal.model];
        let model_path = YamlPath::root().key("models").key(&model.name);
        let field_path = |field: usize| {
            let field = &model.fields[field];
            let path = model_path.key("fields").key(&field.column);
            if field.example.is_some() {
                path.key("example")
            } else {
                path.key("type")
            }
        };
        let (check, path) = match &refusal.refuser {
            Refuser::TableCheck(index) => {
                let check = &model.checks[*index];
                let path = model_path.key("checks").index(*index).key("expr");
                (format!("check `{}`", check.name), path)
            }
            Refuser::FieldType(index) => {
                let field = &model.fields[*index];
                let what = format!(
                    "the `{}` type of `{}`",
                    field.ty.schema_name(),
                    field.column
                );
                (what, field_path(*index))
            }
            Refuser::Sqlite(message) => {
                let problem = super::Problem::SqliteRefused {
                    table: model.table.clone(),
                    message: message.clone(),
                };
                self.push(problem, model_path, true, Some(&model.name), None);
                return;
            }
        };
        let row = refusal
            .values
            .iter()
            .map(|(field, value)| format!("{} = {value}", model.fields[*field].column))
            .collect::<Vec<_>>()
            .join(", ");
        let detail = if refusal.row.defaults {
            " where the columns with a default take it".to_owned()
        } else if refusal.row.n == TRIAL_ROWS[0].n {
            String::new()
        } else {
            format!(
                " in row {}, as numbered as the tests number rows (a unique column's example is varied by the number)",
                refusal.row.n
            )
        };
        let problem = super::Problem::ExampleRefused {
            table: model.table.clone(),
            check,
            row,
            detail,
            defaults: refusal.row.defaults,
            fields: refusal
                .values
                .iter()
                .map(|(field, _)| model.fields[*field].column.clone())
                .collect(),
        };
        self.push(problem, path, false, Some(&model.name), None);
    }
}
