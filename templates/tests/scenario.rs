// {{ header }}
//! Scenarios for `{{ t.name }}` rows, compiled once per backend.

use super::{api, db, seeds};

#[test]
fn insert_then_get_returns_equal_values() {
    let mut db = db();
    let new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
    let inserted = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
{%- for c in t.field_checks %}
    assert_eq!({{ c.stored }}, {{ c.given }});
{%- endfor %}
    let fetched = api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap();
    assert_eq!(fetched, Some(inserted));
}
{%- if !t.defaults.is_empty() %}

#[test]
fn defaults_are_filled_in_by_the_database() {
    let mut db = db();
    let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
{%- for d in t.defaults %}
    new.{{ d.field }} = None;
{%- endfor %}
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let inserted = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
{%- for d in t.defaults %}
{%- match d.assertion %}
{%- when Some with (assertion) %}
    {{ assertion }}
{%- when None %}
{%- if d.nullable %}
    let stored = inserted.{{ d.field }}.unwrap();
    assert!(
        before <= stored && stored <= after,
        "{stored} is not the insert time"
    );
{%- else %}
    let stored = inserted.{{ d.field }};
    assert!(
        before <= stored && stored <= after,
        "{stored} is not the insert time"
    );
{%- endif %}
{%- endmatch %}
{%- endfor %}
    let _ = (before, after);
}
{%- endif %}

#[test]
fn insert_many_stores_what_insert_stores() {
    let mut db = db();
    let {% if !t.defaults.is_empty() %}mut {% endif %}new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
{%- for d in t.defaults %}
    new.{{ d.field }} = None;
{%- endfor %}
    let inserted = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
    // Deleted first, so its unique values can be stored again.
    assert!(api::{{ t.module }}::delete(db.conn(), {{ t.pk_arg }}).unwrap());
    assert_eq!(api::{{ t.module }}::insert_many(db.conn(), &[new]).unwrap(), 1);
    let mut stored = api::{{ t.module }}::list(db.conn()).unwrap();
    assert_eq!(stored.len(), 1);
    let {% if t.insert_many_differs %}mut {% endif %}many = stored.remove(0);
{%- if t.pk_generated %}
    // The database numbers each row afresh.
    many.{{ t.pk_field }} = inserted.{{ t.pk_field }};
{%- endif %}
{%- for d in t.defaults %}
{%- if d.assertion.is_none() %}
    // `now` is the moment of each write; the two are close, not equal.
    let gap = many.{{ d.field }}{% if d.nullable %}.unwrap(){% endif %}.signed_duration_since(inserted.{{ d.field }}{% if d.nullable %}.unwrap(){% endif %});
    assert!(gap.num_seconds().abs() < 60, "{gap}");
    many.{{ d.field }} = inserted.{{ d.field }};
{%- endif %}
{%- endfor %}
    assert_eq!(many, inserted);
}

#[test]
fn list_update_and_delete_round_trip() {
    let mut db = db();
    let inserted = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let second = seeds::{{ t.seed_fn }}(db.conn(), 2);
    assert_eq!(api::{{ t.module }}::list(db.conn()).unwrap(), vec![inserted.clone(), second.clone()]);
{%- if t.has_update %}
{%- if let Some((field, value)) = t.update_change %}
    let mut changed = inserted.clone();
    changed.{{ field }} = {{ value }};
    assert!(api::{{ t.module }}::update(db.conn(), &changed).unwrap());
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), Some(changed));
{%- else %}
    assert!(api::{{ t.module }}::update(db.conn(), &inserted).unwrap());
{%- endif %}
{%- endif %}
    assert!(api::{{ t.module }}::delete(db.conn(), {{ t.pk_arg }}).unwrap());
    assert!(!api::{{ t.module }}::delete(db.conn(), {{ t.pk_arg }}).unwrap());
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), None);
    assert_eq!(api::{{ t.module }}::list(db.conn()).unwrap(), vec![second]);
}

#[test]
fn count_and_list_page_walk_every_row_in_key_order() {
    let mut db = db();
    for n in 1..=5 {
        seeds::{{ t.seed_fn }}(db.conn(), n);
    }
    assert_eq!(api::{{ t.module }}::count(db.conn()).unwrap(), 5);
    let mut seen = Vec::new();
    let mut last = None;
    loop {
        let page = api::{{ t.module }}::list_page(db.conn(), {{ t.page_after_arg }}, 2).unwrap();
        assert!(page.len() <= 2);
        let Some(row) = page.last() else {
            break;
        };
        last = Some({{ t.page_last_key }});
        seen.extend(page);
    }
    assert_eq!(seen, api::{{ t.module }}::list(db.conn()).unwrap());
}

#[test]
fn hand_written_sql_reads_rows_through_columns_and_from_row() {
    let mut db = db();
    let first = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let sql = format!("SELECT {} FROM {}", api::{{ t.module }}::COLUMNS, {{ t.table_sql_literal }});
    assert_eq!(db.query_with(&sql, api::{{ t.module }}::from_row), vec![first]);
}

#[test]
fn new_takes_the_required_fields_and_leaves_the_rest_to_the_database() {
    let mut db = db();
{%- if !t.constructor_args.is_empty() %}
    let seed = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
{%- endif %}
    let new = {{ crate_ident }}::{{ t.new_type }}::new({{ t.constructor_args|join(", ") }});
    let expected = {{ crate_ident }}::{{ t.new_type }} { {{ t.constructor_expected|join(", ") }} };
    assert_eq!(new, expected);
    api::{{ t.module }}::insert(db.conn(), &new).unwrap();
}
{%- if let Some(p) = t.patch_case %}

#[test]
fn patch_writes_only_the_given_columns() {
    let mut db = db();
    let inserted = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let untouched = {{ crate_ident }}::{{ t.name }}Patch::default();
    let same = api::{{ t.module }}::patch(db.conn(), {{ t.pk_arg }}, &untouched).unwrap();
    assert_eq!(same, Some(inserted.clone()));
    let mut changed = inserted.clone();
    changed.{{ p.field }} = {{ p.value }};
    let patch = {{ crate_ident }}::{{ t.name }}Patch { {{ p.field }}: Some({{ p.from_changed }}){{ p.rest }} };
    let patched = api::{{ t.module }}::patch(db.conn(), {{ t.pk_arg }}, &patch).unwrap();
    assert_eq!(patched, Some(changed.clone()));
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), Some(changed));
}

#[test]
fn patch_if_writes_only_while_the_expected_values_hold() {
    let mut db = db();
    let inserted = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let mut changed = inserted.clone();
    changed.{{ p.field }} = {{ p.value }};
    let expected = {{ crate_ident }}::{{ t.name }}Patch { {{ p.field }}: Some({{ p.from_inserted }}){{ p.rest }} };
    let patch = {{ crate_ident }}::{{ t.name }}Patch { {{ p.field }}: Some({{ p.from_changed }}){{ p.rest }} };
    // The first of two workers expecting the same value writes; the second
    // finds it changed and writes nothing.
    let first = api::{{ t.module }}::patch_if(db.conn(), {{ t.pk_arg }}, &expected, &patch).unwrap();
    assert_eq!(first, Some(changed.clone()));
    let second = api::{{ t.module }}::patch_if(db.conn(), {{ t.pk_arg }}, &expected, &patch).unwrap();
    assert_eq!(second, None);
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), Some(changed));
}
{%- endif %}

#[test]
fn insert_many_inserts_every_row() {
    let mut db = db();
    let rows = [seeds::{{ t.new_seed_fn }}(db.conn(), 1), seeds::{{ t.new_seed_fn }}(db.conn(), 2)];
    let before = db.count({{ t.table_literal }});
    assert_eq!(api::{{ t.module }}::insert_many(db.conn(), &rows).unwrap(), 2);
    assert_eq!(db.count({{ t.table_literal }}), before + 2);
}
{%- if let Some(d) = t.dangling.first() %}

#[test]
fn insert_many_inserts_nothing_when_one_row_is_refused() {
    let mut db = db();
    let good = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
    let mut bad = seeds::{{ t.new_seed_fn }}(db.conn(), 2);
    bad.{{ d.field }} = {{ d.value }};
    let before = db.count({{ t.table_literal }});
    let error = api::{{ t.module }}::insert_many(db.conn(), &[good, bad]).unwrap_err();
    crate::common::assert_violation(&error, {{ d.violation }});
    assert_eq!(db.count({{ t.table_literal }}), before);
}
{%- endif %}
{%- if t.has_upsert %}

#[test]
fn upsert_replaces_the_row_with_the_same_key() {
    let mut db = db();
    let new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
    let inserted = api::{{ t.module }}::upsert(db.conn(), &new).unwrap();
    let mut replacement = seeds::{{ t.new_seed_fn }}(db.conn(), 2);
    replacement.{{ t.pk_field }} = {{ t.pk_copy }};
    let replaced = api::{{ t.module }}::upsert(db.conn(), &replacement).unwrap();
    assert_eq!(api::{{ t.module }}::list(db.conn()).unwrap(), vec![replaced.clone()]);
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), Some(replaced));
}
{%- endif %}
{%- for d in t.dangling %}

#[test]
fn {{ d.test_name }}() {
    let mut db = db();
    let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
    new.{{ d.field }} = {{ d.value }};
    let before = db.count({{ t.table_literal }});
    let error = api::{{ t.module }}::insert(db.conn(), &new).unwrap_err();
    crate::common::assert_violation(&error, {{ d.violation }});
    assert_eq!(db.count({{ t.table_literal }}), before);
}
{%- endfor %}
{%- for d in t.duplicates %}

#[test]
fn {{ d.test_name }}() {
    let mut db = db();
    let first = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 2);
    new.{{ d.field }} = {{ d.copy }};
    let error = api::{{ t.module }}::insert(db.conn(), &new).unwrap_err();
    crate::common::assert_violation(&error, {{ d.violation }});
    assert_eq!(db.count({{ t.table_literal }}), 1);
}
{%- endfor %}
{%- for e in t.enums %}

#[test]
fn {{ e.test_name }}() {
    let mut db = db();
    seeds::{{ t.seed_fn }}(db.conn(), 1);
    let error = db.execute({{ e.sql_literal }}).unwrap_err();
    crate::common::assert_check_violation(&error, {{ t.table_literal }}, {{ e.column_literal }}, {{ e.check_literal }});
}

#[test]
fn {{ e.unreadable_test_name }}() {
    let mut db = db();
    seeds::{{ t.seed_fn }}(db.conn(), 1);
    db.drop_check({{ t.table_literal }}, {{ e.check_literal }});
    db.execute({{ e.sql_literal }}).unwrap();
    let error = api::{{ t.module }}::list(db.conn()).unwrap_err();
    crate::common::assert_unreadable(&error, {{ t.table_literal }}, {{ e.column_literal }}, "'not a value'");
}
{%- endfor %}
{%- for d in t.deletions %}

#[test]
fn {{ d.test_name }}() {
    let mut db = db();
    let inserted = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let parent = api::{{ t.module }}::{{ d.load_fn }}(db.conn(), &inserted).unwrap(){% if d.nullable %}.unwrap(){% endif %};
{%- if d.action == "refuse" %}
    let error = api::{{ d.parent_module }}::delete(db.conn(), {{ d.parent_key }}).unwrap_err();
    crate::common::assert_violation(&error, {{ d.violation }});
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), Some(inserted));
{%- else %}
    assert!(api::{{ d.parent_module }}::delete(db.conn(), {{ d.parent_key }}).unwrap());
{%- if d.action == "cascade" %}
    assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), None);
{%- else %}
    let after = api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap().unwrap();
    assert_eq!(after.{{ d.field }}, None);
{%- endif %}
{%- endif %}
}
{%- endfor %}

{%- for i in t.indexes %}

#[test]
fn {{ i.test_name }}() {
    let mut db = db();
    assert_eq!(db.index_columns({{ i.name_literal }}), [{{ i.columns|join(", ") }}]);
}
{%- endfor %}
{%- for f in t.finders %}

#[test]
fn {{ f.test_name }}() {
    let mut db = db();
    let first = seeds::{{ t.seed_fn }}(db.conn(), 1);
{%- if f.returns_one %}
    seeds::{{ t.seed_fn }}(db.conn(), 2);
    let found = api::{{ t.module }}::{{ f.name }}(db.conn(), {{ f.args|join(", ") }}).unwrap();
    assert_eq!(found, Some(first));
{%- else if f.share.is_empty() %}
    let found = api::{{ t.module }}::{{ f.name }}(db.conn(), {{ f.args|join(", ") }}).unwrap();
    assert!(found.contains(&first));
{%- else %}
    let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 2);
{%- for line in f.share %}
    {{ line }}
{%- endfor %}
    let second = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
{%- if !f.differ.is_empty() %}
    let mut other = seeds::{{ t.new_seed_fn }}(db.conn(), 3);
{%- for line in f.differ %}
    {{ line }}
{%- endfor %}
    api::{{ t.module }}::insert(db.conn(), &other).unwrap();
{%- endif %}
    let found = api::{{ t.module }}::{{ f.name }}(db.conn(), {{ f.args|join(", ") }}).unwrap();
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
    let mut db = db();
    let inserted = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let parent = api::{{ t.module }}::{{ r.load_fn }}(db.conn(), &inserted).unwrap();
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
    let mut db = db();
    let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
    new.{{ ts.field }} = None;
    let inserted = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
    let by_database = db.stored_text({{ t.table_literal }}, {{ ts.column_literal }});
    // Deleted first, so a unique column takes the same instant again.
    assert!(api::{{ t.module }}::delete(db.conn(), {{ t.pk_arg }}).unwrap());
    let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 2);
    new.{{ ts.field }} = Some(inserted.{{ ts.field }}{% if ts.nullable %}.unwrap(){% endif %});
    let by_rust = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
    assert_eq!(by_rust.{{ ts.field }}, inserted.{{ ts.field }});
    let stored = db.stored_text({{ t.table_literal }}, {{ ts.column_literal }});
    assert_eq!(stored, by_database);
    assert!(db.is_stored_datetime(&stored[0]), "{}", stored[0]);
}
{%- endfor %}
{%- if let Some(first) = t.refusals.first() %}

#[test]
fn values_neither_engine_stores_faithfully_are_refused_naming_the_column() {
    let mut db = db();
    let before = db.count({{ t.table_literal }});
{%- for r in t.refusals %}
    for (n, value) in (1..).zip({{ r.values }}) {
        let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), n);
        new.{{ r.field }} = {{ r.new_value }};
        let error = api::{{ t.module }}::insert(db.conn(), &new).unwrap_err();
        crate::common::assert_refused(&error, {{ t.table_literal }}, {{ r.column_literal }});
    }
{%- endfor %}
    assert_eq!(db.count({{ t.table_literal }}), before);
}

#[test]
fn a_refused_value_leaves_every_row_as_it_was() {
    let mut db = db();
    let inserted = seeds::{{ t.seed_fn }}(db.conn(), 1);
    let [value, ..] = {{ first.values }};
{%- if t.has_update %}
    let mut changed = inserted.clone();
    changed.{{ first.field }} = {{ first.row_value_kept }};
    let error = api::{{ t.module }}::update(db.conn(), &changed).unwrap_err();
    crate::common::assert_refused(&error, {{ t.table_literal }}, {{ first.column_literal }});
{%- endif %}
    let good = seeds::{{ t.new_seed_fn }}(db.conn(), 2);
    let mut bad = seeds::{{ t.new_seed_fn }}(db.conn(), 3);
    bad.{{ first.field }} = {{ first.new_value }};
    let error = api::{{ t.module }}::insert_many(db.conn(), &[good, bad]).unwrap_err();
    crate::common::assert_refused(&error, {{ t.table_literal }}, {{ first.column_literal }});
    assert_eq!(api::{{ t.module }}::list(db.conn()).unwrap(), vec![inserted]);
}
{%- endif %}
{%- if !t.edges.is_empty() %}

#[test]
fn values_at_the_edges_of_what_is_stored_read_back_equal() {
    let mut db = db();
    // Each row is deleted once read back, so every case is row 1 and its
    // unique columns never collide.
{%- for e in t.edges %}
{%- if e.read_back %}
    for (value, read_back) in {{ e.values }} {
        let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
        new.{{ e.field }} = {{ e.new_value }};
        let inserted = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
        let value = read_back;
{%- else %}
    for value in {{ e.values }} {
        let mut new = seeds::{{ t.new_seed_fn }}(db.conn(), 1);
        new.{{ e.field }} = {{ e.new_value_kept }};
        let inserted = api::{{ t.module }}::insert(db.conn(), &new).unwrap();
{%- endif %}
        assert_eq!(inserted.{{ e.field }}, {{ e.row_value }});
        assert_eq!(api::{{ t.module }}::get(db.conn(), {{ t.pk_arg }}).unwrap(), Some(inserted.clone()));
        assert!(api::{{ t.module }}::delete(db.conn(), {{ t.pk_arg }}).unwrap());
    }
{%- endfor %}
}
{%- endif %}
