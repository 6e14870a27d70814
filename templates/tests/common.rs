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
/// reachable through the engine error's sources.
pub fn assert_refused(error: &(dyn std::error::Error + 'static), table: &str, column: &str) {
    let mut source = Some(error);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<{{ crate_ident }}::InvalidValue>() {
            assert_eq!((refusal.table, refusal.column), (table, column), "{refusal}");
            assert!(refusal.to_string().contains(&format!("{table}.{column}")), "{refusal}");
            return;
        }
        source = current.source();
    }
    panic!("expected the value for {table}.{column} to be refused, got: {error}");
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
