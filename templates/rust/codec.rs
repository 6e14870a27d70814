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

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::Row;

use crate::error::UnreadableValue;

/// The stored datetime format, as `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`
/// writes it: milliseconds, so text order is time order.
pub const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// A UTC instant as stored text. Precision is milliseconds, the database
/// clock's; finer digits are dropped when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(format_datetime(&self.0)))
    }
}

/// `at` as stored, what [`DATETIME_FORMAT`] gives, written digit by digit:
/// a bulk insert writes a datetime per row, and chrono reads the format
/// string anew each time.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use {{ crate_ident }}::codec::{format_datetime, DATETIME_FORMAT};
/// let at = Utc.timestamp_millis_opt(1_767_225_600_123).unwrap();
/// assert_eq!(format_datetime(&at), "2026-01-01T00:00:00.123Z");
/// assert_eq!(format_datetime(&at), at.format(DATETIME_FORMAT).to_string());
/// ```
pub fn format_datetime(at: &DateTime<Utc>) -> String {
    // Each accessor of `DateTime` adds the offset (zero for UTC) anew;
    // the naive time is taken once.
    let at = at.naive_utc();
    let millis = at.nanosecond() / 1_000_000;
    let Ok(year) = u32::try_from(at.year()) else {
        return at.format(DATETIME_FORMAT).to_string();
    };
    // A leap second, or a year past 9999 (which is refused before it is
    // stored): chrono's own text.
    if year > 9999 || millis > 999 {
        return at.format(DATETIME_FORMAT).to_string();
    }
    let mut text = String::with_capacity(24);
    let parts = [
        (year, 4, '-'),
        (at.month(), 2, '-'),
        (at.day(), 2, 'T'),
        (at.hour(), 2, ':'),
        (at.minute(), 2, ':'),
        (at.second(), 2, '.'),
        (millis, 3, 'Z'),
    ];
    for (value, digits, after) in parts {
        for place in (0..digits).rev() {
            let digit = value / 10u32.pow(place) % 10;
            text.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
        text.push(after);
    }
    text
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        parse_datetime(text)
            .map(Timestamp)
            .ok_or_else(|| FromSqlError::Other(Box::new(UnreadableDatetime(text.to_owned()))))
    }
}

/// Reads a datetime as this crate and other tools write it into SQLite:
/// `T` or a space between date and time, 0 to 9 fractional digits, and
/// `Z`, an offset (`+02:00`, `+0200`, `+02`) or nothing, which means UTC.
///
/// ```
/// use {{ crate_ident }}::codec::parse_datetime;
/// let at = |text| parse_datetime(text).unwrap().to_rfc3339();
/// assert_eq!(at("2026-01-01T10:00:00.123Z"), "2026-01-01T10:00:00.123+00:00");
/// assert_eq!(at("2026-01-01 10:00:00.123456"), "2026-01-01T10:00:00.123456+00:00");
/// assert_eq!(at("2026-01-01 12:00:00+02:00"), "2026-01-01T10:00:00+00:00");
/// assert_eq!(at("2026-01-01T08:30:00-0130"), "2026-01-01T10:00:00+00:00");
/// assert_eq!(at("2026-01-01T10:00:00+02"), "2026-01-01T08:00:00+00:00");
/// assert!(parse_datetime("yesterday").is_none());
/// ```
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Some(at) = parse_stored(text) {
        return Some(at);
    }
    let (date, rest) = (text.get(..10)?, text.get(10..)?);
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (time, offset_seconds) = match rest.strip_suffix(['Z', 'z']) {
        Some(time) => (time, 0),
        None => match rest.rfind(['+', '-']) {
            Some(at) => (&rest[..at], offset_seconds(&rest[at..])?),
            None => (rest, 0),
        },
    };
    let naive =
        NaiveDateTime::parse_from_str(&format!("{date}T{time}"), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    Some(
        naive
            .and_local_timezone(offset)
            .single()?
            .with_timezone(&Utc),
    )
}

/// The form this crate stores, `YYYY-MM-DDTHH:MM:SS.sssZ`, read digit by
/// digit: every row read parses one per datetime column, and the general
/// parser above costs several times as much.
fn parse_stored(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    if bytes.len() != 24
        || [
            bytes[4], bytes[7], bytes[10], bytes[13], bytes[16], bytes[19], bytes[23],
        ] != *b"--T::.Z"
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        bytes[range].iter().try_fold(0u32, |total, &digit| {
            digit
                .is_ascii_digit()
                .then(|| total * 10 + u32::from(digit - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let time = date.and_hms_milli_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
        number(20..23)?,
    )?;
    Some(time.and_utc())
}

/// `+02:00`, `+0200` or `+02` (or with `-`) in seconds east of UTC.
fn offset_seconds(text: &str) -> Option<i32> {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Stored text that is not a datetime [`parse_datetime`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableDatetime(pub String);

impl std::fmt::Display for UnreadableDatetime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not a datetime: expected ISO 8601, like 2026-01-01T10:00:00.123Z",
            self.0
        )
    }
}

impl std::error::Error for UnreadableDatetime {}

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
    /// More characters than the column's `string(n)` holds: SQLite's check
    /// and PostgreSQL's `varchar(n)` would refuse it, each in its own words.
    TooLong { max: u32 },
}

impl std::fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NulInText => "the text contains a NUL character, which PostgreSQL cannot store",
            Self::NulInJson => {
                "the JSON holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store"
            }
            Self::JsonTooDeep => {
                "the JSON is nested deeper than 127 levels and could not be read back"
            }
            Self::DateTimeOutOfRange => "the datetime lies outside the years 0000 to 9999",
            Self::NotFinite => "the number is NaN or infinite, which SQLite cannot store",
            Self::TooLong { max } => {
                return write!(
                    f,
                    "the text is longer than the {max} characters the column holds"
                );
            }
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

    /// Whether the value is text of more than `max` characters.
    fn is_longer_than(&self, _max: u32) -> bool {
        false
    }
}

impl Storable for str {
    fn problem(&self) -> Option<ValueProblem> {
        self.contains('\0').then_some(ValueProblem::NulInText)
    }

    fn is_longer_than(&self, max: u32) -> bool {
        // Counting characters only when the bytes could be too many.
        self.len() > max as usize && self.chars().count() > max as usize
    }
}

impl Storable for String {
    fn problem(&self) -> Option<ValueProblem> {
        self.as_str().problem()
    }

    fn is_longer_than(&self, max: u32) -> bool {
        self.as_str().is_longer_than(max)
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

impl<T: Storable + ?Sized> Storable for &T {
    fn problem(&self) -> Option<ValueProblem> {
        (**self).problem()
    }

    fn is_longer_than(&self, max: u32) -> bool {
        (**self).is_longer_than(max)
    }
}

impl<T: Storable> Storable for Option<T> {
    fn problem(&self) -> Option<ValueProblem> {
        self.as_ref().and_then(Storable::problem)
    }

    fn is_longer_than(&self, max: u32) -> bool {
        self.as_ref().is_some_and(|value| value.is_longer_than(max))
    }
}

/// A value on its way into `table.column`: binding it refuses the value
/// with an [`InvalidValue`] if it is not [`Storable`].
#[derive(Debug)]
pub struct Checked<'a, T> {
    table: &'static str,
    column: &'static str,
    value: &'a T,
    max_chars: Option<u32>,
}

impl<'a, T: Storable> Checked<'a, T> {
    /// `value`, to be bound as a value of `table.column`.
    pub fn new(table: &'static str, column: &'static str, value: &'a T) -> Self {
        Self {
            table,
            column,
            value,
            max_chars: None,
        }
    }

    /// `value`, to be bound as a value of `table.column`, a `string(max)`
    /// column: refused when longer than `max` characters.
    pub fn with_max(table: &'static str, column: &'static str, value: &'a T, max: u32) -> Self {
        Self::new(table, column, value).at_most(max)
    }

    /// The same, for a `string(max)` column.
    pub fn at_most(self, max: u32) -> Self {
        Self {
            max_chars: Some(max),
            ..self
        }
    }

    /// The value, unless it cannot be stored.
    pub fn value(&self) -> Result<&'a T, InvalidValue> {
        let too_long = self
            .max_chars
            .filter(|&max| self.value.is_longer_than(max))
            .map(|max| ValueProblem::TooLong { max });
        match self.value.problem().or(too_long) {
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

/// A value on its way into `table.column`, owned: [`Checked`] for the
/// statements a patch builds at run time.
#[derive(Debug)]
pub struct CheckedValue<T> {
    table: &'static str,
    column: &'static str,
    value: T,
    max_chars: Option<u32>,
}

impl<T: Storable> CheckedValue<T> {
    /// `value`, to be bound as a value of `table.column`.
    pub fn new(table: &'static str, column: &'static str, value: T) -> Self {
        Self {
            table,
            column,
            value,
            max_chars: None,
        }
    }

    /// `value`, to be bound as a value of `table.column`, a `string(max)`
    /// column: refused when longer than `max` characters.
    pub fn with_max(table: &'static str, column: &'static str, value: T, max: u32) -> Self {
        Self::new(table, column, value).at_most(max)
    }

    /// The same, for a `string(max)` column.
    pub fn at_most(self, max: u32) -> Self {
        Self {
            max_chars: Some(max),
            ..self
        }
    }

    /// The value, unless it cannot be stored.
    pub fn value(&self) -> Result<&T, InvalidValue> {
        let checked = Checked::new(self.table, self.column, &self.value);
        match self.max_chars {
            Some(max) => checked.at_most(max).value(),
            None => checked.value(),
        }
    }
}

impl<T: Storable + ToSql> ToSql for CheckedValue<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.value()
            .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?
            .to_sql()
    }
}

/// Reads a datetime column as this crate stores it (see [`Timestamp`]): for
/// rows of queries of your own, as [`read_column`] reads other types.
pub fn read_datetime(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<DateTime<Utc>> {
    read_column::<Timestamp>(row, index, table, column).map(|stored| stored.0)
}

/// [`read_datetime`] of a nullable column.
pub fn read_optional_datetime(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    read_column::<Option<Timestamp>>(row, index, table, column)
        .map(|stored| stored.map(|stored| stored.0))
}

/// Reads a JSON column as this crate stores it (see [`Json`]).
pub fn read_json(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<serde_json::Value> {
    read_column::<Json<serde_json::Value>>(row, index, table, column).map(|stored| stored.0)
}

/// [`read_json`] of a nullable column.
pub fn read_optional_json(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<Option<serde_json::Value>> {
    read_column::<Option<Json<serde_json::Value>>>(row, index, table, column)
        .map(|stored| stored.map(|stored| stored.0))
}

/// Reads column `index` of `row`, a value of `table.column`, as a `T`; a
/// stored value that is not one is an [`UnreadableValue`] saying where it
/// is and what it is.
pub fn read_column<T: FromSql>(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<T> {
    let value = row.get_ref(index)?;
    T::column_result(value).map_err(|error| {
        let reason = match error {
            FromSqlError::InvalidType => {
                format!("a {} value is not of the column's type", value.data_type())
            }
            FromSqlError::Other(inner) => inner.to_string(),
            other => other.to_string(),
        };
        let value_text = match value {
            ValueRef::Null => "NULL".to_owned(),
            ValueRef::Integer(number) => number.to_string(),
            ValueRef::Real(number) => number.to_string(),
            ValueRef::Text(bytes) => sql_text(&String::from_utf8_lossy(bytes)),
            ValueRef::Blob(bytes) => format!("a blob of {} bytes", bytes.len()),
        };
        let unreadable = UnreadableValue {
            table,
            column,
            value: value_text,
            reason,
        };
        rusqlite::Error::FromSqlConversionFailure(index, value.data_type(), Box::new(unreadable))
    })
}

/// Text as an SQL literal for a message: quoted, inner quotes doubled, cut
/// after 100 characters.
pub(crate) fn sql_text(text: &str) -> String {
    let mut literal: String = text
        .chars()
        .take(100)
        .collect::<String>()
        .replace('\'', "''");
    if text.chars().nth(100).is_some() {
        literal.push_str("...");
    }
    format!("'{literal}'")
}
