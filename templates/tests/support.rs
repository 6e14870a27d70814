// {{ header }}
//! Shared by the table tests: a fresh database, and seed rows whose parents
//! are inserted first, each with values of its own.

// Each table's tests use a different part of these helpers.
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};

{% if uses_datetime -%}
use chrono::{DateTime, TimeZone, Utc};
{% endif -%}
use rusqlite::Connection;

/// A new in-memory database with every table, foreign keys on.
pub fn db() -> Connection {
    let conn = {{ crate_ident }}::open_in_memory().unwrap();
    {{ crate_ident }}::init_db(&conn).unwrap();
    conn
}

/// A number no other seed row of this test run uses, so the unique columns
/// of parents inserted along the way never collide.
pub fn unique() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(1_000);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A string that ends in `n`, cut from the left to at most `max` characters.
pub fn text(prefix: &str, n: i64, max: usize) -> String {
    let full = format!("{prefix}-{n}");
    let skip = full.chars().count().saturating_sub(max);
    full.chars().skip(skip).collect()
}
{%- if uses_datetime %}

/// A whole-millisecond instant that grows with `n`.
pub fn at(n: i64, offset: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + n * 60_000 + offset)
        .unwrap()
}
{%- endif %}

pub fn count(db: &Connection, table: &str) -> i64 {
    db.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |row| {
        row.get(0)
    })
    .unwrap()
}

pub fn execute(db: &Connection, sql: &str) -> rusqlite::Result<usize> {
    db.execute(sql, [])
}

/// The columns of an index, in index order.
pub fn index_columns(db: &Connection, index: &str) -> Vec<String> {
    let mut statement = db
        .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
        .unwrap();
    let rows = statement.query_map([index], |row| row.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// A column's raw stored text, in insertion order.
pub fn stored_text(db: &Connection, table: &str, column: &str) -> Vec<String> {
    let sql = format!("SELECT \"{column}\" FROM \"{table}\" ORDER BY rowid");
    let mut statement = db.prepare(&sql).unwrap();
    let rows = statement.query_map([], |row| row.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Whether `text` has the stored datetime shape `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn is_stored_datetime(text: &str) -> bool {
    text.len() == 24
        && text.ends_with('Z')
        && text
            .char_indices()
            .all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == 'T',
                13 | 16 => c == ':',
                19 => c == '.',
                23 => c == 'Z',
                _ => c.is_ascii_digit(),
            })
}
{%- for s in seeds %}

/// Insert values for a `{{ s.model }}` with every field set, its parents
/// inserted.
pub fn {{ s.new_fn }}({% if s.parents.is_empty() %}_db{% else %}db{% endif %}: &Connection, n: i64) -> {{ crate_ident }}::{{ s.new_name }} {
{%- for (var, insert_fn) in s.parents %}
    let {{ var }} = {{ insert_fn }}(db, unique());
{%- endfor %}
    {{ crate_ident }}::{{ s.new_name }} {
    {%- for (field, value) in s.inits %}
        {{ field }}: {{ value }},
    {%- endfor %}
    }
}

/// A stored `{{ s.model }}` made from [`{{ s.new_fn }}`].
pub fn {{ s.insert_fn }}(db: &Connection, n: i64) -> {{ crate_ident }}::{{ s.model }} {
    {{ crate_ident }}::{{ s.module }}::insert(db, &{{ s.new_fn }}(db, n)).unwrap()
}
{%- endfor %}
