// {{ header }}
//! Seed rows for the scenarios: insert values with every field set, their
//! parents inserted first, each with values of its own. Compiled once per
//! backend, with that backend's `api` and `Conn`.

// Each table's tests use a different part of these helpers.
#![allow(dead_code)]
{% if !common_imports.is_empty() %}
{%- if common_imports.len() == 1 %}
use crate::common::{{ common_imports[0] }};
{%- else %}
use crate::common::{ {{- common_imports|join(", ") -}} };
{%- endif %}
{% endif %}
use super::{api, Conn};
{%- for s in seeds %}

/// Insert values for a `{{ s.model }}` with every field set, its parents
/// inserted.
pub fn {{ s.new_fn }}({% if s.parents.is_empty() %}_conn{% else %}conn{% endif %}: &mut Conn, {{ s.n_param }}: i64) -> {{ crate_ident }}::{{ s.new_name }} {
{%- for (var, insert_fn) in s.parents %}
    let {{ var }} = {{ insert_fn }}(conn, unique());
{%- endfor %}
    {{ crate_ident }}::{{ s.new_name }} { {{ s.inits|join(", ") }} }
}

/// A stored `{{ s.model }}` made from [`{{ s.new_fn }}`].
pub fn {{ s.insert_fn }}(conn: &mut Conn, n: i64) -> {{ crate_ident }}::{{ s.model }} {
    let new = {{ s.new_fn }}(conn, n);
    api::{{ s.module }}::insert(conn, &new).unwrap()
}
{%- endfor %}
