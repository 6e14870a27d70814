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
