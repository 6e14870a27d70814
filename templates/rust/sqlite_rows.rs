// {{ header }}
//! The rows of an `insert_many` as a table SQLite reads: a table-valued
//! function ([`FUNCTION_NAME`]) whose rows are the insert values of one
//! call, read where they are, so that one `INSERT ... SELECT` stores them
//! all.
//!
//! A multi-row `INSERT ... VALUES` binds every value of every row first,
//! and runs as many statements as SQLite's limit on parameters requires;
//! here SQLite asks for each value as it stores its row, and nothing is
//! bound but the rows themselves.
//!
//! This is the crate's only `unsafe` code. Rusqlite's virtual-table traits
//! are unsafe to implement, since SQLite reads the table and its cursor
//! through the structs they start with; and reading the bound rows back is
//! unsafe, since SQLite returns them as an untyped pointer. SQLite hands a
//! bound pointer only to a reader that names the same pointer type, and
//! the type names this crate and its version.

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};

use rusqlite::types::{ToSqlOutput, Type};
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConnection, VTabCursor,
};
use rusqlite::{ffi, Connection, ToSql};

/// The function's name: the crate's own, so that two generated crates can
/// share a connection, and in the `schemagen_` names no table may take.
const FUNCTION_NAME: &str = {{ function_name_literal }};

/// The function's columns `c0`, `c1`, ...: one per insert value of the
/// widest table. The hidden argument that takes the rows comes after them.
const ROWS_ARGUMENT: c_int = {{ width }};

/// The type a bound [`Rows`] pointer is tagged with: this crate and its
/// version, so that no other crate's rows are ever read as this crate's.
const POINTER_TYPE: &CStr = match CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"), " rows\0").as_bytes(),
) {
    Ok(name) => name,
    Err(_) => panic!("a package name and version hold no NUL"),
};

/// Rows to insert, a column per insert value in the order the `INSERT`
/// names them.
pub(crate) trait Rows {
    fn len(&self) -> usize;

    /// Sets `out` to `column` of `row`; fails where the value cannot be
    /// stored.
    fn column(&self, row: usize, column: usize, out: &mut Context) -> rusqlite::Result<()>;
}

/// Sets `out` to `value`, checked as it converts: how [`Rows::column`]
/// gives a value.
pub(crate) fn set(out: &mut Context, value: impl ToSql) -> rusqlite::Result<()> {
    out.set_result(value)
}

/// The rows of one statement, as bound to its parameter.
struct Bound<'a> {
    rows: &'a dyn Rows,
}

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        // No destructor: the rows are borrowed, and `insert` reads them
        // only while it runs.
        Ok(ToSqlOutput::Pointer((
            std::ptr::from_ref(self).cast(),
            POINTER_TYPE,
            None,
        )))
    }
}

/// Runs `sql`, an `INSERT ... SELECT` from the function with `?1` as its
/// argument, on `rows`; returns how many rows it inserted. Registers the
/// function the first time a connection needs it.
pub(crate) fn insert(conn: &Connection, sql: &str, rows: &dyn Rows) -> rusqlite::Result<usize> {
    let mut statement = match conn.prepare_cached(sql) {
        Err(error) if is_unregistered(&error) => {
            const MODULE: Module<RowsTable> = Module::eponymous_only_module();
            conn.create_module(FUNCTION_NAME, &MODULE, None)?;
            conn.prepare_cached(sql)?
        }
        prepared => prepared?,
    };
    // `execute` resets the statement before it returns, which closes the
    // cursors that read `rows`, and the statement cache clears the binding
    // when the statement goes back to it.
    statement.execute([Bound { rows }])
}

/// Whether `error` is SQLite's for a connection that does not know the
/// function yet.
fn is_unregistered(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(_, Some(message))
        if message.strip_prefix("no such table: ") == Some(FUNCTION_NAME))
}

/// The function, as rusqlite's virtual tables are declared.
#[repr(C)]
struct RowsTable {
    /// SQLite's part, first.
    base: ffi::sqlite3_vtab,
}

// SAFETY: `RowsTable` is `repr(C)` and starts with `sqlite3_vtab`.
unsafe impl<'vtab> VTab<'vtab> for RowsTable {
    type Aux = ();
    type Cursor = RowsCursor<'vtab>;

    fn connect(
        _: &mut VTabConnection,
        _: Option<&()>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let columns: String = (0..ROWS_ARGUMENT).map(|c| format!("c{c}, ")).collect();
        let declaration = CString::new(format!("CREATE TABLE x({columns}rows HIDDEN)"))
            .map_err(|_| rusqlite::Error::ModuleError("a NUL in a declaration".to_owned()))?;
        let table = Self {
            base: ffi::sqlite3_vtab::default(),
        };
        Ok((Cow::Owned(declaration), table))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        let mut given = false;
        for (constraint, mut usage) in info.constraints_and_usages() {
            let equals = constraint.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ;
            if equals && constraint.is_usable() && constraint.column() == ROWS_ARGUMENT {
                usage.set_argv_index(1);
                usage.set_omit(true);
                given = true;
            }
        }
        // A plan without the rows has nothing to read: priced out.
        info.set_estimated_cost(if given { 1.0 } else { f64::MAX });
        Ok(true)
    }

    fn open(&mut self) -> rusqlite::Result<RowsCursor<'vtab>> {
        Ok(RowsCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            rows: None,
            row: 0,
        })
    }
}

/// A read of the rows bound to one statement.
#[repr(C)]
struct RowsCursor<'vtab> {
    /// SQLite's part, first.
    base: ffi::sqlite3_vtab_cursor,
    rows: Option<&'vtab Bound<'vtab>>,
    row: usize,
}

// SAFETY: `RowsCursor` is `repr(C)` and starts with `sqlite3_vtab_cursor`.
unsafe impl VTabCursor for RowsCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, arguments: &Filters<'_>) -> rusqlite::Result<()> {
        // A bound pointer reads as NULL; any other value is no rows.
        if arguments.len() != 1 || arguments[0].data_type() != Type::Null {
            return Err(not_bound());
        }
        // SAFETY: SQLite returns the pointer only where it was bound with
        // `POINTER_TYPE`, which only `insert` does, to a `Bound` that
        // outlives the statement's run, and with it this cursor.
        let bound = unsafe { arguments.get_pointer::<Bound<'static>>(0, POINTER_TYPE) };
        self.rows = Some(bound.ok_or_else(not_bound)?);
        self.row = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.row += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.rows.is_none_or(|bound| self.row >= bound.rows.len())
    }

    fn column(&self, out: &mut Context, column: c_int) -> rusqlite::Result<()> {
        match (self.rows, usize::try_from(column)) {
            (Some(bound), Ok(column)) => bound.rows.column(self.row, column, out),
            _ => Err(not_bound()),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(i64::try_from(self.row).unwrap_or(i64::MAX))
    }
}

/// The error for a call of the function without rows of this crate.
fn not_bound() -> rusqlite::Error {
    rusqlite::Error::ModuleError(format!(
        "{FUNCTION_NAME} reads only the rows this crate's insert_many binds"
    ))
}
