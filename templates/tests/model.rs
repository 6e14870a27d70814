// {{ header }}
//! Scenarios for `{{ t.name }}` rows.

use {{ crate_ident }}::{{ t.module }};

use crate::support::{self, db};

#[test]
fn insert_then_get_returns_equal_values() {
    let db = db();
    let new = support::{{ t.new_seed_fn }}(&db, 1);
    let inserted = {{ t.module }}::insert(&db, &new).unwrap();
{%- for c in t.field_checks %}
    assert_eq!({{ c.stored }}, {{ c.given }});
{%- endfor %}
    let fetched = {{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap();
    assert_eq!(fetched, Some(inserted));
}
{%- if !t.defaults.is_empty() %}

#[test]
fn defaults_are_filled_in_by_the_database() {
    let db = db();
    let mut new = support::{{ t.new_seed_fn }}(&db, 1);
{%- for d in t.defaults %}
    new.{{ d.field }} = None;
{%- endfor %}
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let inserted = {{ t.module }}::insert(&db, &new).unwrap();
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
{%- for d in t.defaults %}
{%- match d.assertion %}
{%- when Some with (assertion) %}
    {{ assertion }}
{%- when None %}
{%- if d.nullable %}
    let stored = inserted.{{ d.field }}.unwrap();
    assert!(before <= stored && stored <= after, "{stored} is not the insert time");
{%- else %}
    let stored = inserted.{{ d.field }};
    assert!(before <= stored && stored <= after, "{stored} is not the insert time");
{%- endif %}
{%- endmatch %}
{%- endfor %}
    let _ = (before, after);
}
{%- endif %}

#[test]
fn list_update_and_delete_round_trip() {
    let db = db();
    let inserted = support::{{ t.seed_fn }}(&db, 1);
    let second = support::{{ t.seed_fn }}(&db, 2);
    assert_eq!({{ t.module }}::list(&db).unwrap(), vec![inserted.clone(), second.clone()]);
{%- if t.has_update %}
{%- if let Some((field, value)) = t.update_change %}
    let mut changed = inserted.clone();
    changed.{{ field }} = {{ value }};
    assert!({{ t.module }}::update(&db, &changed).unwrap());
    assert_eq!({{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap(), Some(changed));
{%- else %}
    assert!({{ t.module }}::update(&db, &inserted).unwrap());
{%- endif %}
{%- endif %}
    assert!({{ t.module }}::delete(&db, {{ t.pk_arg }}).unwrap());
    assert!(!{{ t.module }}::delete(&db, {{ t.pk_arg }}).unwrap());
    assert_eq!({{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap(), None);
    assert_eq!({{ t.module }}::list(&db).unwrap(), vec![second]);
}
{%- if t.has_upsert %}

#[test]
fn upsert_replaces_the_row_with_the_same_key() {
    let db = db();
    let inserted = {{ t.module }}::upsert(&db, &support::{{ t.new_seed_fn }}(&db, 1)).unwrap();
    let mut replacement = support::{{ t.new_seed_fn }}(&db, 2);
    replacement.{{ t.pk_field }} = {{ t.pk_copy }};
    let replaced = {{ t.module }}::upsert(&db, &replacement).unwrap();
    assert_eq!({{ t.module }}::list(&db).unwrap(), vec![replaced.clone()]);
    assert_eq!({{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap(), Some(replaced));
}
{%- endif %}
{%- for d in t.dangling %}

#[test]
fn {{ d.test_name }}() {
    let db = db();
    let mut new = support::{{ t.new_seed_fn }}(&db, 1);
    new.{{ d.field }} = {{ d.value }};
    let before = support::count(&db, {{ t.table_literal }});
    assert!({{ t.module }}::insert(&db, &new).is_err());
    assert_eq!(support::count(&db, {{ t.table_literal }}), before);
}
{%- endfor %}
{%- for d in t.duplicates %}

#[test]
fn {{ d.test_name }}() {
    let db = db();
    let first = support::{{ t.seed_fn }}(&db, 1);
    let mut new = support::{{ t.new_seed_fn }}(&db, 2);
    new.{{ d.field }} = {{ d.copy }};
    assert!({{ t.module }}::insert(&db, &new).is_err());
    assert_eq!(support::count(&db, {{ t.table_literal }}), 1);
}
{%- endfor %}
{%- for e in t.enums %}

#[test]
fn {{ e.test_name }}() {
    let db = db();
    support::{{ t.seed_fn }}(&db, 1);
    assert!(support::execute(&db, {{ e.sql_literal }}).is_err());
}
{%- endfor %}
{%- for d in t.deletions %}

#[test]
fn {{ d.test_name }}() {
    let db = db();
    let inserted = support::{{ t.seed_fn }}(&db, 1);
    let parent = {{ t.module }}::{{ d.load_fn }}(&db, &inserted).unwrap(){% if d.nullable %}.unwrap(){% endif %};
{%- if d.action == "refuse" %}
    assert!({{ crate_ident }}::{{ d.parent_module }}::delete(&db, {{ d.parent_key }}).is_err());
    assert_eq!({{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap(), Some(inserted));
{%- else %}
    assert!({{ crate_ident }}::{{ d.parent_module }}::delete(&db, {{ d.parent_key }}).unwrap());
{%- if d.action == "cascade" %}
    assert_eq!({{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap(), None);
{%- else %}
    let after = {{ t.module }}::get(&db, {{ t.pk_arg }}).unwrap().unwrap();
    assert_eq!(after.{{ d.field }}, None);
{%- endif %}
{%- endif %}
}
{%- endfor %}

{%- for i in t.indexes %}

#[test]
fn {{ i.test_name }}() {
    let db = db();
    assert_eq!(
        support::index_columns(&db, {{ i.name_literal }}),
        [{% for c in i.columns %}{{ c }}, {% endfor %}]
    );
}
{%- endfor %}
{%- for f in t.finders %}

#[test]
fn {{ f.test_name }}() {
    let db = db();
    let first = support::{{ t.seed_fn }}(&db, 1);
{%- if f.returns_one %}
    support::{{ t.seed_fn }}(&db, 2);
    let found = {{ t.module }}::{{ f.name }}(&db, {{ f.args|join(", ") }}).unwrap();
    assert_eq!(found, Some(first));
{%- else if f.share.is_empty() %}
    let found = {{ t.module }}::{{ f.name }}(&db, {{ f.args|join(", ") }}).unwrap();
    assert!(found.contains(&first));
{%- else %}
    let mut new = support::{{ t.new_seed_fn }}(&db, 2);
{%- for line in f.share %}
    {{ line }}
{%- endfor %}
    let second = {{ t.module }}::insert(&db, &new).unwrap();
{%- if !f.differ.is_empty() %}
    let mut other = support::{{ t.new_seed_fn }}(&db, 3);
{%- for line in f.differ %}
    {{ line }}
{%- endfor %}
    {{ t.module }}::insert(&db, &other).unwrap();
{%- endif %}
    let found = {{ t.module }}::{{ f.name }}(&db, {{ f.args|join(", ") }}).unwrap();
{%- if f.descending %}
    assert_eq!(found, vec![second, first]);
{%- else %}
    assert_eq!(found, vec![first, second]);
{%- endif %}
{%- endif %}
}
{%- endfor %}
{%- for r in t.relations %}

#[test]
fn {{ r.test_name }}() {
    let db = db();
    let inserted = support::{{ t.seed_fn }}(&db, 1);
    let parent = {{ t.module }}::{{ r.load_fn }}(&db, &inserted).unwrap();
{%- if r.nullable %}
    assert_eq!(parent.map(|p| p.{{ r.parent_key_field }}), inserted.{{ r.field }});
{%- else %}
    assert_eq!(parent.{{ r.parent_key_field }}, inserted.{{ r.field }});
{%- endif %}
}
{%- endfor %}
{%- for ts in t.timestamps %}

#[test]
fn {{ ts.test_name }}() {
    let db = db();
    let mut new = support::{{ t.new_seed_fn }}(&db, 1);
    new.{{ ts.field }} = None;
    let by_database = {{ t.module }}::insert(&db, &new).unwrap();
    let mut new = support::{{ t.new_seed_fn }}(&db, 2);
    new.{{ ts.field }} = Some(by_database.{{ ts.field }}{% if ts.nullable %}.unwrap(){% endif %});
    let by_rust = {{ t.module }}::insert(&db, &new).unwrap();
    assert_eq!(by_rust.{{ ts.field }}, by_database.{{ ts.field }});
    let stored = support::stored_text(&db, {{ t.table_literal }}, {{ ts.column_literal }});
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], stored[1]);
    assert!(support::is_stored_datetime(&stored[0]), "{}", stored[0]);
}
{%- endfor %}
