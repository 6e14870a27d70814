// {{ header }}
//! Values the seeds of every backend share.
{%- if uses_unique %}

use std::sync::atomic::{AtomicI64, Ordering};
{%- endif %}
{%- if uses_datetime %}

use chrono::{DateTime, TimeZone, Utc};
{%- endif %}
{%- if !crate_imports.is_empty() %}

{{ crate_imports }}
{%- endif %}
{%- if uses_unique %}

/// A number no other seed row of this test run uses, so the unique columns
/// of parents inserted along the way never collide.
pub fn unique() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(1_000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
{%- endif %}
{%- if uses_text %}

/// A string that ends in `n`, cut from the left to at most `max` characters.
pub fn text(prefix: &str, n: i64, max: usize) -> String {
    let full = format!("{prefix}-{n}");
    let skip = full.chars().count().saturating_sub(max);
    full.chars().skip(skip).collect()
}
{%- endif %}
{%- if uses_datetime %}

/// A whole-millisecond instant that grows with `n`.
pub fn at(n: i64, offset: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + n * 60_000 + offset)
        .unwrap()
}
{%- endif %}
{%- if uses_refusals %}

/// Asserts that `error` is the refusal of a value bound for `table.column`,
/// made before anything was stored, with the engine's error as its source.
pub fn assert_refused(error: &Error, table: &str, column: &str) {
    match error.kind() {
        ErrorKind::InvalidValue(refusal) => {
            assert_eq!((refusal.table, refusal.column), (table, column), "{refusal}");
        }
        other => panic!("expected the value for {table}.{column} to be refused, got {other:?}: {error}"),
    }
    assert!(error.to_string().contains(&format!("{table}.{column}")), "{error}");
    assert!(std::error::Error::source(error).is_some(), "{error}");
}
{%- endif %}
{%- if uses_violations %}

/// Asserts that `error` says, as both engines do, that a write broke the
/// constraint `name` of kind `kind` on `table` (`columns`), with the
/// engine's message in its text and the engine's error as its source.
pub fn assert_violation(error: &Error, kind: ConstraintKind, table: &str, columns: &[&str], name: &str) {
    let expected = Violation {
        kind,
        table: Some(table.to_owned()),
        columns: columns.iter().map(|column| column.to_string()).collect(),
        constraint: Some(name.to_owned()),
    };
    assert_eq!(error.violation(), Some(&expected), "{error}");
    let text = error.to_string();
    assert!(
        text.contains(name) && text.contains(error.message()),
        "{text}"
    );
    assert!(!error.message().is_empty());
    assert!(std::error::Error::source(error).is_some(), "{error}");
}
{%- endif %}
{%- if uses_enums %}

/// Asserts that `error` is the enum check `name` of `table.column` refusing
/// a value. The table may be unnamed: SQLite does not say it for a
/// statement of the user's own, and two tables may hold the same check.
pub fn assert_check_violation(error: &Error, table: &str, column: &str, name: &str) {
    let violation = error.violation().unwrap_or_else(|| panic!("expected a violation: {error}"));
    assert_eq!(violation.kind, ConstraintKind::Check, "{error}");
    assert_eq!(violation.columns, [column], "{error}");
    assert_eq!(violation.constraint.as_deref(), Some(name), "{error}");
    if let Some(named) = &violation.table {
        assert_eq!(named, table, "{error}");
    }
}

/// Asserts that `error` names the stored `value` of `table.column` that
/// could not be read.
pub fn assert_unreadable(error: &Error, table: &str, column: &str, value: &str) {
    match error.kind() {
        ErrorKind::UnreadableValue(unreadable) => {
            assert_eq!(
                (unreadable.table, unreadable.column, unreadable.value.as_str()),
                (table, column, value),
                "{error}"
            );
        }
        other => panic!("expected an unreadable value in {table}.{column}, got {other:?}: {error}"),
    }
    let text = error.to_string();
    assert!(
        text.contains(&format!("{table}.{column}")) && text.contains(value),
        "{text}"
    );
}
{%- endif %}
{%- if uses("nested_json") %}

/// Arrays nested `depth` deep around a number.
pub fn nested_json(depth: usize) -> serde_json::Value {
    (0..depth).fold(serde_json::json!(1), |inner, _| serde_json::json!([inner]))
}
{%- endif %}
{%- if uses("edge_text") %}

/// Text with what quoting, escaping and encodings get wrong (quotes,
/// backslashes, LIKE wildcards, controls, accents, emoji), cut to `max`
/// characters.
pub fn edge_text(max: usize) -> String {
    "é🎞'\"\\%_\n\t\u{1}\u{7f} end".chars().take(max).collect()
}
{%- endif %}
{%- if uses("year_start") %}

/// The first instant of `year`, in UTC.
fn year_start(year: i32) -> chrono::DateTime<chrono::Utc> {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}
{%- endif %}
{%- if uses("unstorable_texts") %}

/// Texts neither engine stores faithfully: they hold NUL characters.
pub fn unstorable_texts() -> [String; 2] {
    ["a\0b".to_owned(), "\0".to_owned()]
}
{%- endif %}
{%- if uses("unstorable_floats") %}

/// Floats neither engine stores faithfully.
pub fn unstorable_floats() -> [f64; 3] {
    [f64::NAN, f64::INFINITY, f64::NEG_INFINITY]
}
{%- endif %}
{%- if uses("unstorable_datetimes") %}

/// Instants outside the years 0 to 9999, which both engines store.
pub fn unstorable_datetimes() -> [chrono::DateTime<chrono::Utc>; 2] {
    [year_start(10_000), year_start(-1)]
}
{%- endif %}
{%- if uses("unstorable_json") %}

/// JSON that holds NUL characters or nests deeper than the crate reads.
pub fn unstorable_json() -> [serde_json::Value; 3] {
    [
        serde_json::json!({ "text": "a\0b" }),
        serde_json::json!({ "a\0b": 1 }),
        nested_json(MAX_JSON_DEPTH + 1),
    ]
}
{%- endif %}
{%- if uses("edge_texts") %}

/// The shortest text and a hostile one of at most `max` characters.
pub fn edge_texts(max: usize) -> [String; 2] {
    [String::new(), edge_text(max)]
}
{%- endif %}
{%- if uses("edge_floats") %}

/// The largest, the most negative and the two smallest positive floats.
pub fn edge_floats() -> [f64; 4] {
    [f64::MAX, -f64::MAX, f64::MIN_POSITIVE, 5e-324]
}
{%- endif %}
{%- if uses("edge_datetimes") %}

/// The first and the last millisecond both engines store, and an instant
/// with nanoseconds, each with the instant it reads back as: both engines
/// store milliseconds.
pub fn edge_datetimes() -> [(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>); 3] {
    let first = year_start(0);
    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 999)
        .unwrap()
        .and_utc();
    let nanos = chrono::DateTime::from_timestamp_nanos(1_767_225_600_123_456_789);
    let millis = chrono::DateTime::from_timestamp_millis(1_767_225_600_123).unwrap();
    [(first, first), (last, last), (nanos, millis)]
}
{%- endif %}
{%- if uses("edge_json") %}

/// JSON nested as deep as the crate reads, and a value with what JSON
/// encoders get wrong: large and tiny numbers, escapes, empty keys.
pub fn edge_json() -> [serde_json::Value; 2] {
    [
        nested_json(MAX_JSON_DEPTH),
        serde_json::json!({ "big": u64::MAX, "small": i64::MIN, "huge": 1e300, "tiny": 5e-324, "text": "é 🎞 \"\\ \n", "": null, "empty": [[], {}] }),
    ]
}
{%- endif %}
{%- if uses("different") %}

/// A value of the type that differs from the one given.
pub trait Different {
    fn different(&self) -> Self;
}

impl Different for i64 {
    fn different(&self) -> i64 {
        self + 1_000
    }
}

impl Different for f64 {
    fn different(&self) -> f64 {
        self + 1_000.0
    }
}

impl Different for bool {
    fn different(&self) -> bool {
        !self
    }
}

impl Different for String {
    fn different(&self) -> String {
        self.chars().rev().collect()
    }
}

impl Different for chrono::DateTime<chrono::Utc> {
    fn different(&self) -> Self {
        *self + chrono::Duration::days(1)
    }
}

impl Different for serde_json::Value {
    fn different(&self) -> Self {
        serde_json::json!([self])
    }
}

/// A value that differs from `value`.
pub fn different<T: Different>(value: &T) -> T {
    value.different()
}
{%- endif %}
{%- if uses("other_value") %}

/// `one`, unless `value` is `one`: then `another`.
pub fn other_value<T: PartialEq>(value: T, one: T, another: T) -> T {
    if value == one {
        another
    } else {
        one
    }
}
{%- endif %}
