// {{ header }}
//! The generated data access, exercised against SQLite: one module per
//! table, each inserting, reading, updating and deleting rows and checking
//! that the database enforces keys, uniques, enums and ON DELETE actions.

mod support;
{% for m in models %}
mod {{ m.module }};
{%- endfor %}

#[test]
fn init_db_creates_every_table_and_is_safe_to_run_again() {
    let db = support::db();
    {{ crate_ident }}::init_db(&db).unwrap();
    let mut statement = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let tables: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, [{% for t in sorted_tables %}{{ t }}, {% endfor %}]);
}

#[test]
fn open_turns_foreign_keys_on() {
    let dir = std::env::temp_dir().join(format!("{{ crate_ident }}-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("test.db");
    let conn = {{ crate_ident }}::open(&path).unwrap();
    let enabled: bool = conn
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .unwrap();
    assert!(enabled);
    drop(conn);
    std::fs::remove_dir_all(&dir).unwrap();
}
