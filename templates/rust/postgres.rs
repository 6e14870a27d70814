// {{ header }}
//! The same data access over PostgreSQL, behind the `postgres` feature.
//!
//! Each table has a module with the functions of its SQLite twin, taking
//! any [`GenericClient`] (a `Client` or a `Transaction`) and returning the
//! same row types. Tables, keys, checks and indexes are those of
//! `schema.postgres.sql`.
//!
//! ```no_run
//! let mut client = {{ crate_ident }}::postgres::connect("postgres://postgres@localhost/pipeline")?;
//! {{ crate_ident }}::postgres::init_db(&mut client)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
{% for m in models %}
pub mod {{ m.module }};
{%- endfor %}

use std::error::Error as StdError;

use ::bytes::BytesMut;
use chrono::SubsecRound;
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::Row;
/// The postgres crate's types this API takes, so a user needs no version of
/// the crate of their own. Its `Error` is the source of a [`crate::Error`]
/// that PostgreSQL reported.
pub use ::postgres::{Client, Error, GenericClient, NoTls, Transaction};

use crate::codec::{sql_text, Checked, CheckedValue, Storable, Timestamp};
use crate::error::UnreadableValue;
use crate::Result;

/// The PostgreSQL DDL of every table and index; safe to run again.
pub const SCHEMA_SQL: &str = include_str!("../schema.postgres.sql");

/// Connects to the server at `url` (`postgres://user@host/database`),
/// without TLS.
pub fn connect(url: &str) -> Result<Client> {
    Ok(Client::connect(url, NoTls)?)
}

/// Applies every migration the crate embeds that the database lacks, each
/// in one transaction under an advisory lock (workers starting at once
/// apply each once) with a lock timeout; gives the ids of those it
/// applied.
pub fn migrate(client: &mut impl GenericClient) -> Result<Vec<&'static str>> {
    Ok(crate::migrations::postgres_runner::migrate(client)?)
}

/// Brings the database to this crate's schema: [`migrate`]. Safe to run
/// again, and from several workers at once.
pub fn init_db(client: &mut impl GenericClient) -> Result<()> {
    migrate(client)?;
    Ok(())
}

/// Reads column `index` of `row`, a value of `table.column`, as a `T`; a
/// stored value that is not one is an [`UnreadableValue`] saying where it
/// is and what it is.
pub(crate) fn read_column<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> Result<T> {
    row.try_get(index).map_err(|error| {
        let value = match row.try_get::<_, Option<String>>(index) {
            Ok(Some(text)) => sql_text(&text),
            Ok(None) => "NULL".to_owned(),
            Err(_) => format!("a value of type {}", row.columns()[index].type_()),
        };
        let reason = error
            .source()
            .map_or_else(|| error.to_string(), ToString::to_string);
        let unreadable = UnreadableValue {
            table,
            column,
            value,
            reason,
        };
        crate::error::unreadable_postgres(error, unreadable)
    })
}

/// Datetimes are stored to the millisecond, as on SQLite, so a row reads
/// back the same from either engine.
impl ToSql for Timestamp {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        self.0.trunc_subsecs(3).to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <chrono::DateTime<chrono::Utc> as ToSql>::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

/// Refuses a value that is not [`Storable`]; the [`crate::codec::InvalidValue`]
/// is the source of the error the query returns.
impl<T: Storable + ToSql> ToSql for Checked<'_, T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        self.value()?.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        T::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

/// Refuses a value that is not [`Storable`], as [`Checked`] does.
impl<T: Storable + ToSql> ToSql for CheckedValue<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        self.value()?.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        T::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}
