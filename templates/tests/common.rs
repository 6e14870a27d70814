// {{ header }}
//! Values the seeds of every backend share.
{%- if uses_unique %}

use std::sync::atomic::{AtomicI64, Ordering};
{%- endif %}
{%- if uses_datetime %}

use chrono::{DateTime, TimeZone, Utc};
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
pub fn assert_refused(error: &{{ crate_ident }}::Error, table: &str, column: &str) {
    match error.kind() {
        {{ crate_ident }}::ErrorKind::InvalidValue(refusal) => {
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
pub fn assert_violation(
    error: &{{ crate_ident }}::Error,
    kind: {{ crate_ident }}::ConstraintKind,
    table: &str,
    columns: &[&str],
    name: &str,
) {
    let expected = {{ crate_ident }}::Violation {
        kind,
        table: Some(table.to_owned()),
        columns: columns.iter().map(|column| column.to_string()).collect(),
        constraint: Some(name.to_owned()),
    };
    assert_eq!(error.violation(), Some(&expected), "{error}");
    let text = error.to_string();
    assert!(text.contains(name) && text.contains(error.message()), "{text}");
    assert!(!error.message().is_empty());
    assert!(std::error::Error::source(error).is_some(), "{error}");
}
{%- endif %}
{%- if uses_enums %}

/// Asserts that `error` is the enum check `name` of `table.column` refusing
/// a value. The table may be unnamed: SQLite does not say it for a
/// statement of the user's own, and two tables may hold the same check.
pub fn assert_check_violation(error: &{{ crate_ident }}::Error, table: &str, column: &str, name: &str) {
    let violation = error.violation().unwrap_or_else(|| panic!("expected a violation: {error}"));
    assert_eq!(violation.kind, {{ crate_ident }}::ConstraintKind::Check, "{error}");
    assert_eq!(violation.columns, [column], "{error}");
    assert_eq!(violation.constraint.as_deref(), Some(name), "{error}");
    if let Some(named) = &violation.table {
        assert_eq!(named, table, "{error}");
    }
}

/// Asserts that `error` names the stored `value` of `table.column` that
/// could not be read.
pub fn assert_unreadable(error: &{{ crate_ident }}::Error, table: &str, column: &str, value: &str) {
    match error.kind() {
        {{ crate_ident }}::ErrorKind::UnreadableValue(unreadable) => {
            assert_eq!(
                (unreadable.table, unreadable.column, unreadable.value.as_str()),
                (table, column, value),
                "{error}"
            );
        }
        other => panic!("expected an unreadable value in {table}.{column}, got {other:?}: {error}"),
    }
    let text = error.to_string();
    assert!(text.contains(&format!("{table}.{column}")) && text.contains(value), "{text}");
}
{%- endif %}
{%- if uses_json %}

/// Arrays nested `depth` deep around a number.
pub fn nested_json(depth: usize) -> serde_json::Value {
    (0..depth).fold(serde_json::json!(1), |inner, _| serde_json::json!([inner]))
}
{%- endif %}
{%- if uses_edge_text %}

/// Text with what quoting, escaping and encodings get wrong (quotes,
/// backslashes, LIKE wildcards, controls, accents, emoji), cut to `max`
/// characters.
pub fn edge_text(max: usize) -> String {
    "é🎞'\"\\%_\n\t\u{1}\u{7f} end".chars().take(max).collect()
}
{%- endif %}
