//! `generated/schema.postgres.sql` applied to a real PostgreSQL server, its
//! catalogs read back and compared with schema.yaml as the generator reads
//! it: every table, column type, nullability, default, key, foreign key
//! with its ON DELETE action, unique constraint, check and index. The
//! expected catalog spellings are written out here on their own, not taken
//! from the generator's mapping table, so a wrong mapping fails.
//!
//! Also `schemagen init-db` with a `postgres://` URL.

mod common;

use std::collections::BTreeMap;

use postgres::{Client, NoTls};
use schemagen::ir::{DefaultValue, Field, FieldType, Model, OnDelete, Schema};

/// A schema of the test's own on the server, dropped with it, so runs never
/// collide or leave tables behind.
struct Scratch {
    client: Client,
    name: String,
}

impl Scratch {
    fn new(url: &str, label: &str) -> Scratch {
        let mut client = Client::connect(url, NoTls)
            .unwrap_or_else(|error| panic!("cannot connect to {url}: {error}"));
        let name = format!("schemagen_{label}_{}", std::process::id());
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; \
                 SET search_path TO {name}"
            ))
            .unwrap();
        Scratch { client, name }
    }

    /// Rows of `sql` (run with the table name as `$1`) as text columns.
    fn rows(&mut self, sql: &str, table: &str) -> Vec<Vec<Option<String>>> {
        text_rows(&self.client.query(sql, &[&table]).unwrap())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

fn pipeline_schema() -> Schema {
    schemagen::load_and_validate(&common::root().join("schema.yaml")).unwrap()
}

/// `information_schema.columns.data_type` and `character_maximum_length`.
fn expected_type(ty: &FieldType) -> (&'static str, Option<String>) {
    match ty {
        FieldType::Int => ("bigint", None),
        FieldType::Float => ("double precision", None),
        FieldType::String { max_len: Some(n) } => ("character varying", Some(n.to_string())),
        FieldType::String { max_len: None } | FieldType::Text | FieldType::Enum(_) => {
            ("text", None)
        }
        FieldType::Bool => ("boolean", None),
        FieldType::DateTime => ("timestamp with time zone", None),
        FieldType::Json => ("jsonb", None),
    }
}

/// `information_schema.columns.column_default`, as the server prints it.
fn expected_default(field: &Field) -> Option<String> {
    let text_cast = match field.ty {
        FieldType::String { max_len: Some(_) } => "character varying",
        _ => "text",
    };
    Some(match field.default.as_ref()? {
        DefaultValue::Now => "date_trunc('milliseconds'::text, now())".to_owned(),
        DefaultValue::Int(n) if *n < 0 => format!("'{n}'::integer"),
        DefaultValue::Int(n) => n.to_string(),
        DefaultValue::Float(f) => format!("{f:?}"),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::String(s) => format!("'{}'::{text_cast}", s.replace('\'', "''")),
        DefaultValue::EnumVariant(index) => match &field.ty {
            FieldType::Enum(e) => format!("'{}'::text", e.variants[*index].value),
            _ => unreachable!("enum defaults belong to enum fields"),
        },
    })
}

fn on_delete_code(action: OnDelete) -> &'static str {
    match action {
        OnDelete::Cascade => "c",
        OnDelete::SetNull => "n",
        OnDelete::Restrict => "r",
        OnDelete::NoAction => "a",
    }
}

/// The constraints of one kind on `$1`: name, columns in key order, and
/// for foreign keys the parent table, parent columns and delete action.
const CONSTRAINTS_SQL: &str = "
    SELECT c.conname::text,
           (SELECT string_agg(a.attname, ',' ORDER BY k.position)
              FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, position)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
           c.confrelid::regclass::text,
           (SELECT string_agg(a.attname, ',' ORDER BY k.position)
              FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, position)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum),
           NULLIF(c.confdeltype, ' ')::text,
           pg_get_constraintdef(c.oid)
      FROM pg_constraint c
     WHERE c.conrelid = quote_ident($1::text)::regclass AND c.contype = $2::text::\"char\"
     ORDER BY c.conname";

fn constraints(db: &mut Scratch, table: &str, kind: &str) -> Vec<Vec<Option<String>>> {
    text_rows(&db.client.query(CONSTRAINTS_SQL, &[&table, &kind]).unwrap())
}

/// Every column of every row, as text (all queries here select text).
fn text_rows(rows: &[postgres::Row]) -> Vec<Vec<Option<String>>> {
    rows.iter()
        .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
        .collect()
}

fn column(model: &Model, index: usize) -> String {
    model.fields[index].column.clone()
}

fn s(text: impl Into<String>) -> Option<String> {
    Some(text.into())
}

/// The quoted values of an `IN (...)` check as the server prints it:
/// `CHECK ((status = ANY (ARRAY['new'::text, 'queued'::text])))`.
fn quoted_values(definition: &str) -> Vec<String> {
    definition
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn check_table(db: &mut Scratch, schema: &Schema, model: &Model) {
    let table = model.table.as_str();

    let columns = db.rows(
        "SELECT column_name::text, data_type::text, character_maximum_length::text, \
                is_nullable::text, column_default::text, is_identity::text \
           FROM information_schema.columns \
          WHERE table_schema = current_schema() AND table_name = $1 \
          ORDER BY ordinal_position",
        table,
    );
    let expected_columns: Vec<Vec<Option<String>>> = model
        .fields
        .iter()
        .map(|field| {
            let (data_type, max_len) = expected_type(&field.ty);
            let nullable = field.nullable && !field.primary_key;
            vec![
                s(&field.column),
                s(data_type),
                max_len,
                s(if nullable { "YES" } else { "NO" }),
                expected_default(field),
                s(if field.autoincrement { "YES" } else { "NO" }),
            ]
        })
        .collect();
    assert_eq!(columns, expected_columns, "columns of {table}");

    let key = constraints(db, table, "p");
    assert_eq!(key.len(), 1, "{table} has one primary key");
    assert_eq!(key[0][0], s(format!("{table}_pkey")));
    assert_eq!(key[0][1], s(&model.primary_key().column));

    let mut expected_fks = Vec::new();
    for field in &model.fields {
        if let Some(fk) = &field.foreign_key {
            let parent = &schema.models[fk.model];
            expected_fks.push((
                format!("{table}_{}_fkey", field.column),
                field.column.clone(),
                parent.table.clone(),
                column(parent, fk.field),
                on_delete_code(fk.on_delete).to_owned(),
            ));
        }
    }
    expected_fks.sort();
    let fks: Vec<_> = constraints(db, table, "f")
        .into_iter()
        .map(|row| {
            let text = |i: usize| row[i].clone().unwrap();
            (text(0), text(1), text(2), text(3), text(4))
        })
        .collect();
    assert_eq!(fks, expected_fks, "foreign keys of {table}");

    let mut expected_uniques: Vec<(String, String)> = model
        .fields
        .iter()
        .filter(|f| f.unique && !f.primary_key)
        .map(|f| (format!("{table}_{}_key", f.column), f.column.clone()))
        .collect();
    expected_uniques.sort();
    let uniques: Vec<(String, String)> = constraints(db, table, "u")
        .into_iter()
        .map(|row| (row[0].clone().unwrap(), row[1].clone().unwrap()))
        .collect();
    assert_eq!(uniques, expected_uniques, "unique constraints of {table}");

    // Checks: one per enum column holding exactly its values, and each
    // named check of the schema over exactly the columns it mentions.
    let mut expected_checks: BTreeMap<String, (String, Option<Vec<String>>)> = BTreeMap::new();
    for field in &model.fields {
        if let FieldType::Enum(e) = &field.ty {
            let values = e.variants.iter().map(|v| v.value.clone()).collect();
            expected_checks.insert(
                format!("{table}_{}_check", field.column),
                (field.column.clone(), Some(values)),
            );
        }
    }
    for check in &model.checks {
        let mut columns: Vec<String> = check
            .expr
            .columns()
            .into_iter()
            .map(|index| column(model, index))
            .collect();
        columns.sort();
        columns.dedup();
        expected_checks.insert(check.name.clone(), (columns.join(","), None));
    }
    let mut checks = BTreeMap::new();
    for row in constraints(db, table, "c") {
        let mut columns: Vec<&str> = row[1].as_deref().unwrap().split(',').collect();
        columns.sort();
        let definition = row[5].clone().unwrap();
        let name = row[0].clone().unwrap();
        let values = expected_checks
            .get(&name)
            .and_then(|(_, values)| values.as_ref())
            .map(|_| quoted_values(&definition));
        checks.insert(name, (columns.join(","), values));
    }
    assert_eq!(checks, expected_checks, "checks of {table}");

    // Indexes other than those behind the key and unique constraints.
    let indexes = db.rows(
        "SELECT ic.relname::text, i.indisunique::text, \
                (SELECT string_agg(a.attname, ',' ORDER BY k.position) \
                   FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, position) \
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) \
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
          WHERE i.indrelid = quote_ident($1::text)::regclass \
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
          ORDER BY ic.relname",
        table,
    );
    let mut expected_indexes: Vec<Vec<Option<String>>> = model
        .indexes
        .iter()
        .map(|index| {
            let columns: Vec<String> = index.columns.iter().map(|&c| column(model, c)).collect();
            vec![
                s(&index.name),
                s(index.unique.to_string()),
                s(columns.join(",")),
            ]
        })
        .collect();
    expected_indexes.sort();
    assert_eq!(indexes, expected_indexes, "indexes of {table}");
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set PIPELINE_DB_TEST_POSTGRES_URL to run"
)]
fn schema_postgres_sql_creates_exactly_what_schema_yaml_describes() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let schema = pipeline_schema();
    let sql = std::fs::read_to_string(common::root().join("generated/schema.postgres.sql"))
        .expect("generated/schema.postgres.sql exists");
    let mut db = Scratch::new(&url, "catalog");
    db.client.batch_execute(&sql).unwrap();
    // Safe to run again: every statement is IF NOT EXISTS.
    db.client.batch_execute(&sql).unwrap();

    let rows = db
        .client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
              WHERE table_schema = current_schema() ORDER BY table_name",
            &[],
        )
        .unwrap();
    let tables: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    let mut expected: Vec<String> = schema.models.iter().map(|m| m.table.clone()).collect();
    expected.sort();
    assert_eq!(tables, expected);

    for model in &schema.models {
        check_table(&mut db, &schema, model);
    }
}

#[test]
fn schema_postgres_sql_creates_parents_before_children() {
    // Applying the file statement by statement would fail at the first
    // foreign key to a table not created yet; here the order is read
    // directly.
    let sql =
        std::fs::read_to_string(common::root().join("generated/schema.postgres.sql")).unwrap();
    let schema = pipeline_schema();
    let position = |table: &str| {
        sql.find(&format!("CREATE TABLE IF NOT EXISTS {table} ("))
            .unwrap_or_else(|| panic!("{table} is created"))
    };
    for model in &schema.models {
        for field in &model.fields {
            if let Some(fk) = &field.foreign_key {
                let parent = &schema.models[fk.model].table;
                assert!(
                    position(parent) <= position(&model.table),
                    "{parent} is created after its child {}",
                    model.table
                );
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set PIPELINE_DB_TEST_POSTGRES_URL to run"
)]
fn init_db_creates_the_tables_on_a_postgres_url_and_is_safe_to_run_again() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let mut db = Scratch::new(&url, "init_db");
    // libpq's `options` parameter points the CLI's session at the scratch
    // schema.
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{separator}options=-c%20search_path%3D{}", db.name);
    let schema = schemagen::load_and_validate(&common::root().join("schema.yaml")).unwrap();
    let models = schema.models.len() as i64;
    for _ in 0..2 {
        let output = common::schemagen(&common::root(), &["init-db", &target]);
        assert!(output.status.success(), "{}", common::stderr(&output));
        let ready = format!("is ready: {models} tables");
        assert!(common::stdout(&output).contains(&ready));
    }
    let count: i64 = db
        .client
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name <> 'schemagen_migrations'",
            &[&db.name],
        )
        .unwrap()
        .get(0);
    assert_eq!(count, models);
}

#[test]
fn init_db_names_the_cause_when_the_server_cannot_be_reached() {
    // Port 1 is never a PostgreSQL server; the password must not be echoed.
    let output = common::schemagen(
        &common::root(),
        &["init-db", "postgres://user:hunter2@127.0.0.1:1/db"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("cannot initialise postgres://user:***@127.0.0.1:1/db"),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}
