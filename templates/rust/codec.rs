// {{ header }}
//! How values without a native SQLite type are stored: datetimes as
//! fixed-width ISO 8601 text in UTC, JSON as text. The database's own
//! default for datetimes writes the same text, so a row reads back the same
//! whichever side filled it.

use chrono::{DateTime, NaiveDateTime, Utc};
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
