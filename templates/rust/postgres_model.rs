// {{ header }}
//! The `{{ m.table }}` table over PostgreSQL: the functions of
//! [`crate::{{ m.module }}`], on any [`Executor`].

{% for import in m.imports -%}
{{ import }}
{% endfor %}
{% for import in m.crate_imports -%}
{{ import }}
{% endfor %}

{%- for e in m.enums %}

/// Reads the stored string; a value outside the enum is an error, not a
/// panic.
impl<'a> FromSql<'a> for {{ e.rust_name }} {
    fn from_sql(
        ty: &::postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(<&str as FromSql>::from_sql(ty, raw)?.parse()?)
    }

    fn accepts(ty: &::postgres::types::Type) -> bool {
        <&str as FromSql>::accepts(ty)
    }
}
{%- endfor %}

const INSERT_SQL: &str = {{ m.insert_sql }};
{%- if let Some(copy_sql) = m.copy_sql %}
const COPY_SQL: &str = {{ copy_sql }};
{%- else %}
const INSERT_MANY_SQL: &str = {{ m.insert_many_sql }};
{%- endif %}
pub(crate) const GET_SQL: &str = {{ m.get_sql }};
const LIST_SQL: &str = {{ m.list_sql }};
const COUNT_SQL: &str = {{ m.count_sql }};
const PAGE_SQL: &str = {{ m.page_sql }};
const PAGE_AFTER_SQL: &str = {{ m.page_after_sql }};
{%- if let Some(sql) = m.update_sql %}
const UPDATE_SQL: &str = {{ sql }};
{%- endif %}
const DELETE_SQL: &str = {{ m.delete_sql }};
{%- if let Some(sql) = m.upsert_sql %}
const UPSERT_SQL: &str = {{ sql }};
{%- endif %}
{%- for finder in m.finders %}
{# Single-row finders also serve `load_*` of tables whose key points here. -#}
{% if finder.returns_one %}pub(crate) {% endif %}const {{ finder.const_name }}: &str = {{ finder.sql_literal }};
{%- endfor %}

pub use crate::{{ m.module }}::{COLUMNS, TABLE};

/// Reads a row selected with [`COLUMNS`], in that order.
pub fn from_row(row: &Row) -> Result<{{ m.name }}> {
    Ok({{ m.name }} { {% for f in m.fields %}{{ f.rust_name }}: {{ f.read }}{% if !loop.last %}, {% endif %}{% endfor %} })
}

/// Inserts a row and returns it as stored, with its key and defaults.
pub fn insert(client: &mut impl Executor, {% if m.new_fields.is_empty() %}_new{% else %}new{% endif %}: &{{ m.new_name }}) -> Result<{{ m.name }}> {
    let row = client.fetch_one(INSERT_SQL, &[{% for f in m.new_fields %}{{ f.typed_new_bind }}{% if !loop.last %}, {% endif %}{% endfor %}])?;
    self::from_row(&row)
}

/// Inserts every row, all or none, without reading them back: the fast way
/// to load many rows. Inside a transaction it uses a savepoint. Returns how
/// many rows were inserted.
{%- if m.copy_sql.is_some() %}
///
/// The rows go in one binary `COPY`, so a column's default is filled in
/// here where a row leaves it `None`, as the database would fill it
{%- if m.fills_now %}
/// (`now` is one instant for all the rows, as the server's `now()` is one
/// per transaction)
{%- endif %}.
pub fn insert_many(client: &mut impl Executor, rows: &[{{ m.new_name }}]) -> Result<usize> {
{%- if m.fills_now %}
    let now = chrono::Utc::now();
{%- endif %}
    let mut transaction = client.begin()?;
    let mut writer = BinaryCopyInWriter::new(transaction.copy_in(COPY_SQL)?, &[{% for f in m.new_fields %}{{ f.sql_type }}{% if !loop.last %}, {% endif %}{% endfor %}]);
    for new in rows {
        writer.write(&[{% for f in m.new_fields %}{{ f.filled_bind }}{% if !loop.last %}, {% endif %}{% endfor %}])?;
    }
    writer.finish()?;
    transaction.commit()?;
    Ok(rows.len())
}
{%- else %}
pub fn insert_many(client: &mut impl Executor, rows: &[{{ m.new_name }}]) -> Result<usize> {
    let mut transaction = client.begin()?;
    let statement = transaction.prepare(INSERT_MANY_SQL)?;
    for _ in rows {
        transaction.execute(&statement, &[])?;
    }
    transaction.commit()?;
    Ok(rows.len())
}
{%- endif %}
{%- if m.upsert_sql.is_some() %}

/// Inserts a row, or replaces every column of the row with the same
/// `{{ m.pk.column }}`; returns the row as stored.
pub fn upsert(client: &mut impl Executor, new: &{{ m.new_name }}) -> Result<{{ m.name }}> {
    let row = client.fetch_one(UPSERT_SQL, &[{% for f in m.new_fields %}{{ f.typed_new_bind }}{% if !loop.last %}, {% endif %}{% endfor %}])?;
    self::from_row(&row)
}
{%- endif %}

/// The row with the given `{{ m.pk.column }}`, if there is one.
pub fn get(client: &mut impl Executor, {{ m.pk_param.name }}: {{ m.pk_param.ty }}) -> Result<Option<{{ m.name }}>> {
    client.fetch_optional(GET_SQL, &[{{ m.pk_param.typed_bind }}])?.as_ref().map(self::from_row).transpose()
}

/// Every row, by `{{ m.pk.column }}`.
pub fn list(client: &mut impl Executor) -> Result<Vec<{{ m.name }}>> {
    client
        .fetch_all(LIST_SQL, &[])?
        .iter()
        .map(self::from_row)
        .collect()
}

/// How many rows the table holds.
pub fn count(client: &mut impl Executor) -> Result<i64> {
    Ok(client.fetch_one(COUNT_SQL, &[])?.get(0))
}

/// Up to `limit` rows in `{{ m.pk.column }}` order, after the row whose key is
/// `after` (from the first row when `None`): keyset paging, as fast on the
/// last page as on the first. Pass the last key of a page to get the next.
pub fn list_page(client: &mut impl Executor, after: Option<{{ m.pk_param.ty }}>, limit: u32) -> Result<Vec<{{ m.name }}>> {
    let limit = i64::from(limit);
    let rows = match after {
        Some(key) => client.fetch_all(PAGE_AFTER_SQL, &[{{ m.page_key_typed_bind }}, (&limit, SqlType::INT8)])?,
        None => client.fetch_all(PAGE_SQL, &[(&limit, SqlType::INT8)])?,
    };
    rows.iter().map(self::from_row).collect()
}
{%- if m.update_sql.is_some() %}

/// Writes every column of `row` to the row with its `{{ m.pk.column }}`;
/// returns whether that row exists.
pub fn update(client: &mut impl Executor, row: &{{ m.name }}) -> Result<bool> {
    let changed = client.run(UPDATE_SQL, &[{{ m.pk.typed_bind }}{% for f in m.update_fields %}, {{ f.typed_bind }}{% endfor %}])?;
    Ok(changed > 0)
}
{%- endif %}

{%- if !m.patch_fields.is_empty() %}
/// Writes the columns `patch` gives to the row whose `{{ m.pk.column }}` is `key`,
/// and no other; returns the row as stored, or `None` when there is no such
/// row.
pub fn patch(client: &mut impl Executor, key: {{ m.pk_param.ty }}, patch: &{{ m.name }}Patch) -> Result<Option<{{ m.name }}>> {
    patch_if(client, key, &{{ m.name }}Patch::default(), patch)
}

/// Like [`patch`], but writes only while every column `expected` gives
/// still holds that value, in one statement: of two workers moving a row
/// out of the same state, one succeeds. Returns the row as stored, or
/// `None` when nothing was written.
pub fn patch_if(client: &mut impl Executor, key: {{ m.pk_param.ty }}, expected: &{{ m.name }}Patch, patch: &{{ m.name }}Patch) -> Result<Option<{{ m.name }}>> {
    // Built per call: which columns are set and compared varies.
    let mut binds: Vec<(Box<dyn ::postgres::types::ToSql + Sync>, SqlType)> = Vec::new();
    let mut sets = Vec::new();
{%- for f in m.patch_fields %}
    if let Some(value) = &patch.{{ f.rust_name }} {
        let value = {{ f.bind }};
        binds.push((Box::new(value), {{ f.sql_type }}));
        sets.push(format!("{} = ${}", {{ f.column_sql }}, binds.len()));
    }
{%- endfor %}
    if sets.is_empty() {
        // Nothing to write: the row is returned while `expected` holds.
        sets.push(format!("{0} = {0}", {{ m.pk_sql }}));
    }
    binds.push((Box::new({{ m.patch_key_bind }}), {{ m.pk_sql_type }}));
    let mut conditions = vec![format!("{} = ${}", {{ m.pk_sql }}, binds.len())];
{%- for f in m.patch_fields %}
    if let Some(value) = &expected.{{ f.rust_name }} {
        let value = {{ f.bind }};
        binds.push((Box::new(value), {{ f.sql_type }}));
        conditions.push(format!("{} IS NOT DISTINCT FROM ${}", {{ f.column_sql }}, binds.len()));
    }
{%- endfor %}
    let sql = format!("UPDATE {} SET {} WHERE {} RETURNING {}", {{ m.table_sql }}, sets.join(", "), conditions.join(" AND "), COLUMNS);
    let params: Vec<(&(dyn ::postgres::types::ToSql + Sync), SqlType)> = binds
        .iter()
        .map(|(bind, sql_type)| (bind.as_ref(), sql_type.clone()))
        .collect();
    client.fetch_optional(&sql, &params)?.as_ref().map(self::from_row).transpose()
}
{%- endif %}


/// Deletes the row with the given `{{ m.pk.column }}`; returns whether it existed.
pub fn delete(client: &mut impl Executor, {{ m.pk_param.name }}: {{ m.pk_param.ty }}) -> Result<bool> {
    let changed = client.run(DELETE_SQL, &[{{ m.pk_param.typed_bind }}])?;
    Ok(changed > 0)
}
{%- for finder in m.finders %}

{% for line in finder.doc_lines -%}
/// {{ line }}
{% endfor -%}
pub fn {{ finder.name }}(client: &mut impl Executor{% for p in finder.params %}, {{ p.name }}: {{ p.ty }}{% endfor %}) -> Result<{% if finder.returns_one %}Option<{{ m.name }}>{% else %}Vec<{{ m.name }}>{% endif %}> {
{%- if finder.returns_one %}
    client.fetch_optional({{ finder.const_name }}, &[{{ finder.binds|join(", ") }}])?.as_ref().map(self::from_row).transpose()
{%- else %}
    client.fetch_all({{ finder.const_name }}, &[{{ finder.binds|join(", ") }}])?.iter().map(self::from_row).collect()
{%- endif %}
}
{%- endfor %}
{%- for r in m.relations %}

/// The `{{ r.parent_type }}` that `{{ r.field }}` points at
{%- if r.nullable %}, or `None` when it is NULL{% endif %}.
pub fn {{ r.fn_name }}(client: &mut impl Executor, row: &{{ m.name }}) -> Result<{% if r.nullable %}Option<{{ r.parent_type }}>{% else %}{{ r.parent_type }}{% endif %}> {
{%- if r.nullable %}
    match {{ r.key_arg }} {
        Some(key) => super::{{ r.parent_module }}::{{ r.parent_getter }}(client, key),
        None => Ok(None),
    }
{%- else %}
    // The foreign key guarantees the parent exists; `fetch_one` reports it
    // as an error if it does not.
    let parent = client.fetch_one(super::{{ r.parent_module }}::{{ r.parent_getter_sql }}, &[(&row.{{ r.field_rust }}, {{ r.key_sql_type }})])?;
    super::{{ r.parent_module }}::from_row(&parent)
{%- endif %}
}
{%- endfor %}
