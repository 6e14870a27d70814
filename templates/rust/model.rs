// {{ header }}
//! The `{{ m.table }}` table and its [`{{ m.name }}`] rows.
{%- if !m.doc_lines.is_empty() %}
//!
{%- for line in m.doc_lines %}
//! {{ line }}
{%- endfor %}
{%- endif %}

{% for import in m.imports -%}
{{ import }}
{% endfor %}
{%- if !m.crate_imports.is_empty() %}
{% for import in m.crate_imports -%}
{{ import }}
{% endfor %}
{%- endif %}

{%- for e in m.enums %}

/// The allowed values of `{{ m.table }}.{{ e.column }}`, stored as their string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash{% if e.has_default %}, Default{% endif %})]
#[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(into = "&'static str", try_from = "String"))]
pub enum {{ e.rust_name }} {
{%- for v in e.variants %}
    {%- if v.is_default %}
    #[default]
    {%- endif %}
    {{ v.rust_name }},
{%- endfor %}
}

impl {{ e.rust_name }} {
    /// Every value, in schema order.
    pub const ALL: [Self; {{ e.variants.len() }}] = [{% for v in e.variants %}Self::{{ v.rust_name }}{% if !loop.last %}, {% endif %}{% endfor %}];

    /// The string stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
        {%- for v in e.variants %}
            Self::{{ v.rust_name }} => {{ v.value_literal }},
        {%- endfor %}
        }
    }
}

impl std::fmt::Display for {{ e.rust_name }} {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for {{ e.rust_name }} {
    type Err = UnknownVariant;

    fn from_str(value: &str) -> Result<Self, UnknownVariant> {
        Self::ALL.into_iter().find(|variant| variant.as_str() == value).ok_or_else(|| UnknownVariant::new("{{ e.rust_name }}", value))
    }
}

impl From<{{ e.rust_name }}> for &'static str {
    fn from(value: {{ e.rust_name }}) -> Self {
        value.as_str()
    }
}

impl TryFrom<String> for {{ e.rust_name }} {
    type Error = UnknownVariant;

    fn try_from(value: String) -> Result<Self, UnknownVariant> {
        value.parse()
    }
}

impl ToSql for {{ e.rust_name }} {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.as_str().as_bytes(),
        )))
    }
}

impl FromSql for {{ e.rust_name }} {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}
{%- endfor %}

/// A row of `{{ m.table }}`.
{%- if !m.doc_lines.is_empty() %}
///
{%- endif %}
{%- for line in m.doc_lines %}
///{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
pub struct {{ m.name }} {
{%- for f in m.fields %}
{%- for line in f.doc_lines %}
    ///{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
    pub {{ f.rust_name }}: {{ f.rust_type }},
{%- endfor %}
}

/// The values of a new `{{ m.table }}` row. The database assigns the key
{%- if m.any_new_optional %}; a
/// `None` takes the column's default, or NULL where it has none
{%- endif %}.
#[derive(Debug, Clone, PartialEq{% if m.constructor_params.is_empty() %}, Default{% endif %})]
#[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
pub struct {{ m.new_name }} {
{%- if m.new_fields.is_empty() %}}{% else %}
{%- for f in m.new_fields %}
{%- for line in f.doc_lines %}
    ///{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
    pub {{ f.rust_name }}: {{ f.new_type }},
{%- endfor %}
}
{%- endif %}

impl {{ m.new_name }} {
    /// The values of a new row from the fields it cannot do without, in
    /// schema order; every other field starts as `None`.
{%- if m.constructor_is_long %}
    // One parameter per required field, in schema order, is the point.
    #[allow(clippy::too_many_arguments)]
{%- endif %}
    pub fn new({{ m.constructor_params|join(", ") }}) -> Self {
        Self { {{ m.constructor_inits|join(", ") }} }
    }
}

const INSERT_SQL: &str = {{ m.insert_sql }};
const INSERT_MANY_SQL: &str = {{ m.insert_many_sql }};
{%- if let Some(sql) = m.insert_many_select %}
const INSERT_MANY_SELECT_SQL: &str = {{ sql }};
{%- endif %}
const GET_SQL: &str = {{ m.get_sql }};
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
const {{ finder.const_name }}: &str = {{ finder.sql_literal }};
{%- endfor %}

/// The table's name, as its errors and checked values give it.
pub const TABLE: &str = {{ m.table_literal }};

/// The table's columns in schema order, as [`from_row`] reads them: for
/// queries of your own (`format!("SELECT {COLUMNS} FROM ... WHERE ...")`).
pub const COLUMNS: &str = {{ m.columns_literal }};

/// Reads a row selected with [`COLUMNS`], in that order: with rusqlite's
/// `query_and_then`, or for a row in hand.
pub fn from_row(row: &Row<'_>) -> Result<{{ m.name }}> {
    Ok(self::read_row(row)?)
}

/// [`from_row`] as rusqlite's `query_row` and `query_map` take it.
fn read_row(row: &Row<'_>) -> rusqlite::Result<{{ m.name }}> {
    Ok({{ m.name }} { {% for f in m.fields %}{{ f.rust_name }}: {{ f.read }}{% if !loop.last %}, {% endif %}{% endfor %} })
}

/// Inserts a row and returns it as stored, with its key and defaults.
pub fn insert(conn: &Connection, {% if m.new_fields.is_empty() %}_new{% else %}new{% endif %}: &{{ m.new_name }}) -> Result<{{ m.name }}> {
    conn.prepare_cached(INSERT_SQL).and_then(|mut statement| statement.query_row(params![{% for f in m.new_fields %}{{ f.new_bind }}{% if !loop.last %}, {% endif %}{% endfor %}], self::read_row)).map_err(|error| crate::error::sqlite_write(conn, error, TABLE, {{ m.reference_keys_new }}))
}

{%- match m.insert_many_select %}
{%- when Some with (_) %}
/// Inserts every row, all or none, without reading them back: the fast way
/// to load many rows, in one statement that reads the rows where they are
/// (SQLite asks for each value as it stores its row, through
/// `src/sqlite_rows.rs`). Nests inside a transaction the caller holds.
/// Returns how many rows were inserted.
{%- if m.fills_defaults %}
///
/// A column's default is filled in here where a row leaves it `None`, as
/// the database would fill it{% if m.fills_now %} (`now` is one instant for all the rows){% endif %}.
{%- endif %}
pub fn insert_many(conn: &Connection, rows: &[{{ m.new_name }}]) -> Result<usize> {
{%- if m.fills_now %}
    let source = InsertManyRows {
        rows,
        now: Utc::now(),
    };
{%- else %}
    let source = InsertManyRows { rows };
{%- endif %}
    crate::all_or_nothing(conn, || {
        if let Err(error) = sqlite_rows::insert(conn, INSERT_MANY_SELECT_SQL, &source) {
            // The statement names no row: inserting the rows one by one
            // finds which row broke what.
            return Err(insert_each(conn, rows).err().unwrap_or_else(|| error.into()));
        }
        Ok(rows.len())
    })
}

/// The rows of [`insert_many`], a column per insert value, as its
/// statement reads them.
struct InsertManyRows<'a> {
    rows: &'a [{{ m.new_name }}],
{%- if m.fills_now %}
    /// The instant of every `default: now` the rows leave `None`.
    now: DateTime<Utc>,
{%- endif %}
}

impl sqlite_rows::Rows for InsertManyRows<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn column(&self, row: usize, column: usize, out: &mut rusqlite::vtab::Context) -> rusqlite::Result<()> {
        let new = &self.rows[row];
{%- if m.fills_now %}
        let now = self.now;
{%- endif %}
        {#- `set(out, value)`, not `out.set_result(value)`: rustfmt overflows a
            lone method-chain argument in a match arm, which the layout does
            not follow; a second argument keeps both to the shape it does. #}
        match column {
{%- for f in m.new_fields %}
            {{ loop.index0 }} => sqlite_rows::set(out, {{ f.filled_bind }}),
{%- endfor %}
            // The function's columns past this table's: never selected.
            _ => Ok(()),
        }
    }
}

/// Inserts `rows` one statement each; for finding the row that
/// [`insert_many`]'s statement could not store.
fn insert_each(conn: &Connection, rows: &[{{ m.new_name }}]) -> Result<()> {
    let mut statement = conn.prepare_cached(INSERT_MANY_SQL)?;
    for new in rows {
        statement.execute(params![{% for f in m.new_fields %}{{ f.new_bind }}{% if !loop.last %}, {% endif %}{% endfor %}]).map_err(|error| crate::error::sqlite_write(conn, error, TABLE, {{ m.reference_keys_new }}))?;
    }
    Ok(())
}
{%- when None %}
/// Inserts every row, all or none, without reading them back: the fast way
/// to load many rows. Nests inside a transaction the caller holds. Returns
/// how many rows were inserted.
pub fn insert_many(conn: &Connection, rows: &[{{ m.new_name }}]) -> Result<usize> {
    crate::all_or_nothing(conn, || {
        let mut statement = conn.prepare_cached(INSERT_MANY_SQL)?;
        // The insert struct has no fields: each row is the table's defaults.
        for _ in rows {
            statement.execute([]).map_err(|error| crate::error::sqlite_write(conn, error, TABLE, {{ m.reference_keys_new }}))?;
        }
        Ok(rows.len())
    })
}
{%- endmatch %}
{%- if m.upsert_sql.is_some() %}

/// Inserts a row, or replaces every column of the row with the same
/// `{{ m.pk.column }}`; returns the row as stored.
pub fn upsert(conn: &Connection, new: &{{ m.new_name }}) -> Result<{{ m.name }}> {
    conn.prepare_cached(UPSERT_SQL).and_then(|mut statement| statement.query_row(params![{% for f in m.new_fields %}{{ f.new_bind }}{% if !loop.last %}, {% endif %}{% endfor %}], self::read_row)).map_err(|error| crate::error::sqlite_write(conn, error, TABLE, {{ m.reference_keys_new }}))
}
{%- endif %}

/// The row with the given `{{ m.pk.column }}`, if there is one.
pub fn get(conn: &Connection, {{ m.pk_param.name }}: {{ m.pk_param.ty }}) -> Result<Option<{{ m.name }}>> {
    Ok(conn.prepare_cached(GET_SQL)?.query_row(params![{{ m.pk_param.bind }}], self::read_row).optional()?)
}

/// Every row, by `{{ m.pk.column }}`.
pub fn list(conn: &Connection) -> Result<Vec<{{ m.name }}>> {
    let mut statement = conn.prepare_cached(LIST_SQL)?;
    let rows = statement.query_map([], self::read_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many rows the table holds.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached(COUNT_SQL)?.query_row([], |row| row.get(0))?)
}

/// Up to `limit` rows in `{{ m.pk.column }}` order, after the row whose key is
/// `after` (from the first row when `None`): keyset paging, as fast on the
/// last page as on the first. Pass the last key of a page to get the next.
pub fn list_page(conn: &Connection, after: Option<{{ m.pk_param.ty }}>, limit: u32) -> Result<Vec<{{ m.name }}>> {
    let page = match after {
        Some(key) => {
            let mut statement = conn.prepare_cached(PAGE_AFTER_SQL)?;
            let rows = statement.query_map(params![{{ m.page_key_bind }}, limit], self::read_row)?;
            rows.collect::<rusqlite::Result<_>>()
        }
        None => {
            let mut statement = conn.prepare_cached(PAGE_SQL)?;
            let rows = statement.query_map(params![limit], self::read_row)?;
            rows.collect::<rusqlite::Result<_>>()
        }
    };
    Ok(page?)
}
{%- if m.update_sql.is_some() %}

/// Writes every column of `row` to the row with its `{{ m.pk.column }}`;
/// returns whether that row exists.
pub fn update(conn: &Connection, row: &{{ m.name }}) -> Result<bool> {
    let changed = conn.prepare_cached(UPDATE_SQL).and_then(|mut statement| statement.execute(params![{{ m.pk.bind }}{% for f in m.update_fields %}, {{ f.bind }}{% endfor %}])).map_err(|error| crate::error::sqlite_write(conn, error, TABLE, {{ m.reference_keys_row }}))?;
    Ok(changed > 0)
}
{%- endif %}

{%- if !m.patch_fields.is_empty() %}
/// Changes to one `{{ m.table }}` row, for [`patch`] and [`patch_if`]: each
/// `Some` is a value to write, each `None` leaves its column as it is; a
/// nullable column takes `Some(None)` to become NULL.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
pub struct {{ m.name }}Patch {
{%- for f in m.patch_fields %}
    pub {{ f.rust_name }}: {{ f.patch_type }},
{%- endfor %}
}

/// Writes the columns `patch` gives to the row whose `{{ m.pk.column }}` is `key`,
/// and no other; returns the row as stored, or `None` when there is no such
/// row.
pub fn patch(conn: &Connection, key: {{ m.pk_param.ty }}, patch: &{{ m.name }}Patch) -> Result<Option<{{ m.name }}>> {
    patch_if(conn, key, &{{ m.name }}Patch::default(), patch)
}

/// Like [`patch`], but writes only while every column `expected` gives
/// still holds that value, in one statement: of two workers moving a row
/// out of the same state, one succeeds. Returns the row as stored, or
/// `None` when nothing was written.
pub fn patch_if(conn: &Connection, key: {{ m.pk_param.ty }}, expected: &{{ m.name }}Patch, patch: &{{ m.name }}Patch) -> Result<Option<{{ m.name }}>> {
    // Built per call: which columns are set and compared varies.
    let mut binds: Vec<Box<dyn rusqlite::types::ToSql>> = Vec::new();
    let mut sets = Vec::new();
{%- for f in m.patch_fields %}
    if let Some(value) = &patch.{{ f.rust_name }} {
        binds.push(Box::new({{ f.bind }}));
        sets.push(format!("{} = ?{}", {{ f.column_sql }}, binds.len()));
    }
{%- endfor %}
    if sets.is_empty() {
        // Nothing to write: the row is returned while `expected` holds.
        sets.push(format!("{0} = {0}", {{ m.pk_sql }}));
    }
    binds.push(Box::new({{ m.patch_key_bind }}));
    let mut conditions = vec![format!("{} = ?{}", {{ m.pk_sql }}, binds.len())];
{%- for f in m.patch_fields %}
    if let Some(value) = &expected.{{ f.rust_name }} {
        binds.push(Box::new({{ f.bind }}));
        conditions.push(format!("{} IS ?{}", {{ f.column_sql }}, binds.len()));
    }
{%- endfor %}
    let sql = format!("UPDATE {} SET {} WHERE {} RETURNING {}", {{ m.table_sql }}, sets.join(", "), conditions.join(" AND "), COLUMNS);
    conn.prepare_cached(&sql).and_then(|mut statement| statement.query_row(rusqlite::params_from_iter(binds), self::read_row).optional()).map_err(|error| crate::error::sqlite_write(conn, error, TABLE, {{ m.reference_keys_patch }}))
}
{%- endif %}


/// Deletes the row with the given `{{ m.pk.column }}`; returns whether it existed.
pub fn delete(conn: &Connection, {{ m.pk_param.name }}: {{ m.pk_param.ty }}) -> Result<bool> {
    let changed = conn.prepare_cached(DELETE_SQL).and_then(|mut statement| statement.execute(params![{{ m.pk_param.bind }}])).map_err(|error| crate::error::sqlite_delete(conn, error, TABLE, &{{ m.pk_param.bind }}))?;
    Ok(changed > 0)
}
{%- for finder in m.finders %}

{% for line in finder.doc_lines -%}
/// {{ line }}
{% endfor -%}
pub fn {{ finder.name }}(conn: &Connection{% for p in finder.params %}, {{ p.name }}: {{ p.ty }}{% endfor %}) -> Result<{% if finder.returns_one %}Option<{{ m.name }}>{% else %}Vec<{{ m.name }}>{% endif %}> {
{%- if finder.returns_one %}
    Ok(conn.prepare_cached({{ finder.const_name }})?.query_row(params![{{ finder.binds|join(", ") }}], self::read_row).optional()?)
{%- else %}
    // No locals: a parameter may have any name a field can have.
    Ok(conn.prepare_cached({{ finder.const_name }})?.query_map(params![{{ finder.binds|join(", ") }}], self::read_row)?.collect::<rusqlite::Result<_>>()?)
{%- endif %}
}
{%- endfor %}
{%- for r in m.relations %}

/// The `{{ r.parent_type }}` that `{{ r.field }}` points at
{%- if r.nullable %}, or `None` when it is NULL{% endif %}.
pub fn {{ r.fn_name }}(conn: &Connection, row: &{{ m.name }}) -> Result<{% if r.nullable %}Option<{{ r.parent_type }}>{% else %}{{ r.parent_type }}{% endif %}> {
{%- if r.nullable %}
    match {{ r.key_arg }} {
        Some(key) => crate::{{ r.parent_module }}::{{ r.parent_getter }}(conn, key),
        None => Ok(None),
    }
{%- else %}
    // The foreign key guarantees the parent exists.
    crate::{{ r.parent_module }}::{{ r.parent_getter }}(conn, {{ r.key_arg }})?.ok_or_else(|| rusqlite::Error::QueryReturnedNoRows.into())
{%- endif %}
}
{%- endfor %}
