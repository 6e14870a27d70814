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
//! # Ok::<(), postgres::Error>(())
//! ```
{% for m in models %}
pub mod {{ m.module }};
{%- endfor %}

use std::error::Error as StdError;

use ::bytes::BytesMut;
use chrono::SubsecRound;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, Error, GenericClient, NoTls};

use crate::codec::{Checked, Storable, Timestamp};

/// The PostgreSQL DDL of every table and index; safe to run again.
pub const SCHEMA_SQL: &str = include_str!("../schema.postgres.sql");

/// The key of the advisory lock `init_db` holds, so that workers starting
/// at once create the tables one after another instead of racing.
const INIT_LOCK_KEY: i64 = {{ init_lock_key }};

/// Connects to the server at `url` (`postgres://user@host/database`),
/// without TLS.
pub fn connect(url: &str) -> Result<Client, Error> {
    Client::connect(url, NoTls)
}

/// Creates every table and index that does not exist yet, in one
/// transaction: a failure leaves the database as it was.
pub fn init_db(client: &mut impl GenericClient) -> Result<(), Error> {
    let mut transaction = client.transaction()?;
    // "already exists, skipping" notices are expected on every run after
    // the first.
    transaction.batch_execute("SET LOCAL client_min_messages = warning")?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK_KEY])?;
    transaction.batch_execute(SCHEMA_SQL)?;
    transaction.commit()
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
