// {{ header }}
//! How values are stored, and which are refused.
//!
//! Values without a native SQLite type are stored as text: datetimes as
//! fixed-width ISO 8601 in UTC, JSON as its text. The database's own default
//! for datetimes writes the same text, so a row reads back the same
//! whichever side filled it.
//!
//! A value that one engine would store differently from the other, or
//! that could not be read back, is refused before anything is stored, with
//! an [`InvalidValue`] naming the table and column: text holding a NUL,
//! JSON nested deeper than [`MAX_JSON_DEPTH`] or holding a NUL, a datetime
//! outside the years 0000 to 9999, and NaN or an infinity.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// The stored datetime format, as `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`
/// writes it: milliseconds, so text order is time order.
pub const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// A UTC instant as stored text. Precision is milliseconds, the database
/// clock's; finer digits are dropped when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.format(DATETIME_FORMAT).to_string()))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        NaiveDateTime::parse_from_str(text, DATETIME_FORMAT)
            .map(|naive| Timestamp(naive.and_utc()))
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}

/// A JSON document stored as text; `T` is a `serde_json::Value` or a
/// reference to one.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T: std::borrow::Borrow<serde_json::Value>> ToSql for Json<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.borrow().to_string()))
    }
}

impl FromSql for Json<serde_json::Value> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?)
            .map(Json)
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}

/// A stored string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariant {
    /// The Rust enum that was asked for.
    pub type_name: &'static str,
    /// The string that was found.
    pub value: String,
}

impl UnknownVariant {
    /// The error for `value`, found where a `type_name` was expected.
    pub fn new(type_name: &'static str, value: &str) -> Self {
        Self {
            type_name,
            value: value.to_owned(),
        }
    }
}

impl std::fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a value of {}", self.value, self.type_name)
    }
}

impl std::error::Error for UnknownVariant {}

/// The deepest nesting of arrays and objects a JSON value may have: the
/// reader (serde_json) refuses anything deeper, so such a value, once
/// stored, would make every read of its row fail.
pub const MAX_JSON_DEPTH: usize = 127;

/// Why a value cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// PostgreSQL refuses a NUL in text; SQLite stores it, but its
    /// `length()` stops there, so `string(n)` would not hold.
    NulInText,
    /// PostgreSQL's jsonb refuses `\u0000` in a string or key.
    NulInJson,
    /// Nested deeper than [`MAX_JSON_DEPTH`].
    JsonTooDeep,
    /// Outside years 0000 to 9999, where the stored text stops sorting as
    /// time and SQLite's date functions stop reading it.
    DateTimeOutOfRange,
    /// NaN or an infinity: SQLite stores NaN as NULL.
    NotFinite,
}

impl std::fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NulInText => "the text contains a NUL character, which PostgreSQL cannot store",
            Self::NulInJson => {
                "the JSON holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store"
            }
            Self::JsonTooDeep => "the JSON is nested deeper than 127 levels and could not be read back",
            Self::DateTimeOutOfRange => "the datetime lies outside the years 0000 to 9999",
            Self::NotFinite => "the number is NaN or infinite, which SQLite cannot store",
        })
    }
}

/// A value refused before anything was stored: where it was going and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    pub table: &'static str,
    pub column: &'static str,
    pub problem: ValueProblem,
}

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot store this value in {}.{}: {}",
            self.table, self.column, self.problem
        )
    }
}

impl std::error::Error for InvalidValue {}

/// A value both engines store and read back equal, or the reason it is not.
pub trait Storable {
    /// Why the value cannot be stored, if it cannot.
    fn problem(&self) -> Option<ValueProblem>;
}

impl Storable for str {
    fn problem(&self) -> Option<ValueProblem> {
        self.contains('\0').then_some(ValueProblem::NulInText)
    }
}

impl Storable for String {
    fn problem(&self) -> Option<ValueProblem> {
        self.as_str().problem()
    }
}

impl Storable for f64 {
    fn problem(&self) -> Option<ValueProblem> {
        (!self.is_finite()).then_some(ValueProblem::NotFinite)
    }
}

impl Storable for Timestamp {
    fn problem(&self) -> Option<ValueProblem> {
        (!(0..=9999).contains(&self.0.year())).then_some(ValueProblem::DateTimeOutOfRange)
    }
}

impl Storable for serde_json::Value {
    fn problem(&self) -> Option<ValueProblem> {
        // A loop, not recursion: the value may be nested far deeper than
        // the stack allows.
        let mut pending = vec![(self, 0)];
        while let Some((value, depth)) = pending.pop() {
            match value {
                serde_json::Value::String(text) if text.contains('\0') => {
                    return Some(ValueProblem::NulInJson);
                }
                serde_json::Value::Array(items) => {
                    if depth == MAX_JSON_DEPTH {
                        return Some(ValueProblem::JsonTooDeep);
                    }
                    pending.extend(items.iter().map(|item| (item, depth + 1)));
                }
                serde_json::Value::Object(members) => {
                    if depth == MAX_JSON_DEPTH {
                        return Some(ValueProblem::JsonTooDeep);
                    }
                    if members.keys().any(|key| key.contains('\0')) {
                        return Some(ValueProblem::NulInJson);
                    }
                    pending.extend(members.values().map(|member| (member, depth + 1)));
                }
                _ => {}
            }
        }
        None
    }
}

impl<T: std::borrow::Borrow<serde_json::Value>> Storable for Json<T> {
    fn problem(&self) -> Option<ValueProblem> {
        self.0.borrow().problem()
    }
}

impl<T: Storable> Storable for Option<T> {
    fn problem(&self) -> Option<ValueProblem> {
        self.as_ref().and_then(Storable::problem)
    }
}

/// A value on its way into `table.column`: binding it refuses the value
/// with an [`InvalidValue`] if it is not [`Storable`].
#[derive(Debug)]
pub struct Checked<'a, T> {
    table: &'static str,
    column: &'static str,
    value: &'a T,
}

impl<'a, T: Storable> Checked<'a, T> {
    /// `value`, to be bound as a value of `table.column`.
    pub fn new(table: &'static str, column: &'static str, value: &'a T) -> Self {
        Self {
            table,
            column,
            value,
        }
    }

    /// The value, unless it cannot be stored.
    pub fn value(&self) -> Result<&'a T, InvalidValue> {
        match self.value.problem() {
            None => Ok(self.value),
            Some(problem) => Err(InvalidValue {
                table: self.table,
                column: self.column,
                problem,
            }),
        }
    }
}

impl<T: Storable + ToSql> ToSql for Checked<'_, T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.value()
            .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?
            .to_sql()
    }
}
