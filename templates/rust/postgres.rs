// {{ header }}
//! The same data access over PostgreSQL, behind the `postgres` feature.
//!
//! Each table has a module with the functions of its SQLite twin, taking
//! an [`Executor`] and returning the same row types. Tables, keys, checks
//! and indexes are those of `schema.postgres.sql`.
//!
//! An executor is any [`GenericClient`] (a `Client` or a `Transaction`),
//! which sends each statement with its parameter types in one round trip
//! (the server parses it every time), or a [`CachedClient`] and its
//! [`CachedTransaction`]s, which prepare each statement once per
//! connection, as hand-written code does: for a connection that lives long,
//! such as a worker's.
//!
//! ```no_run
//! let mut client = {{ crate_ident }}::postgres::connect("postgres://postgres@localhost/pipeline")?;
//! {{ crate_ident }}::postgres::init_db(&mut client)?;
//! let mut db = {{ crate_ident }}::postgres::CachedClient::new(client);
//! let mut transaction = db.transaction()?;
//! // ... the table functions, on `&mut db` or `&mut transaction` ...
//! transaction.commit()?;
//! # Ok::<(), {{ crate_ident }}::Error>(())
//! ```
{% for module in modules %}
pub mod {{ module }};
{%- endfor %}

use std::collections::HashMap;
use std::error::Error as StdError;

use ::bytes::BytesMut;
/// The postgres crate's types this API takes, so a user needs no version of
/// the crate of their own. Its `Error` is the source of a [`crate::Error`]
/// that PostgreSQL reported.
pub use ::postgres::{Client, Error, GenericClient, NoTls, Transaction};
use chrono::SubsecRound;
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Row, Statement};

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

/// A statement's parameters, each with the PostgreSQL type it is sent as.
pub type Params<'a> = [(&'a (dyn ToSql + Sync), Type)];

/// Where the table functions run their statements: see the module's
/// documentation.
pub trait Executor {
    /// The rows `sql` gives.
    fn fetch_all(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>, Error>;
    /// The one row `sql` gives; an error if it gives none or several.
    fn fetch_one(&mut self, sql: &str, params: &Params<'_>) -> Result<Row, Error>;
    /// The row `sql` gives, if any; an error if it gives several.
    fn fetch_optional(&mut self, sql: &str, params: &Params<'_>) -> Result<Option<Row>, Error>;
    /// Runs `sql`; gives how many rows it changed.
    fn run(&mut self, sql: &str, params: &Params<'_>) -> Result<u64, Error>;
    /// A transaction (a savepoint inside one), for `insert_many`'s COPY.
    fn begin(&mut self) -> Result<Transaction<'_>, Error>;
}

/// One round trip a statement, parsed by the server each time.
impl<C: GenericClient> Executor for C {
    fn fetch_all(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>, Error> {
        self.query_typed(sql, params)
    }

    fn fetch_one(&mut self, sql: &str, params: &Params<'_>) -> Result<Row, Error> {
        self.query_typed_one(sql, params)
    }

    fn fetch_optional(&mut self, sql: &str, params: &Params<'_>) -> Result<Option<Row>, Error> {
        self.query_typed_opt(sql, params)
    }

    fn run(&mut self, sql: &str, params: &Params<'_>) -> Result<u64, Error> {
        self.execute_typed(sql, params)
    }

    fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        self.transaction()
    }
}

/// A [`Client`] that prepares each statement once and runs it by handle
/// after that. Prepared statements live as long as the connection; a
/// migration that changes a table's columns needs a new `CachedClient`.
pub struct CachedClient {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl CachedClient {
    /// Caches the statements run on `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
        }
    }

    /// The connection, for what the table functions do not do (migrations,
    /// statements of your own).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// A transaction whose statements come from the same cache.
    pub fn transaction(&mut self) -> Result<CachedTransaction<'_>, Error> {
        Ok(CachedTransaction {
            transaction: self.client.transaction()?,
            statements: &mut self.statements,
        })
    }
}

/// A transaction of a [`CachedClient`]; rolled back unless committed.
pub struct CachedTransaction<'a> {
    transaction: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl<'a> CachedTransaction<'a> {
    /// Commits the transaction.
    pub fn commit(self) -> Result<(), Error> {
        self.transaction.commit()
    }

    /// Rolls the transaction back.
    pub fn rollback(self) -> Result<(), Error> {
        self.transaction.rollback()
    }

    /// The transaction, for statements of your own.
    pub fn transaction(&mut self) -> &mut Transaction<'a> {
        &mut self.transaction
    }
}

/// The statement of `sql` on the connection of `client`, prepared the first
/// time with the types of `params`.
fn prepared(
    statements: &mut HashMap<String, Statement>,
    client: &mut impl GenericClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Statement, Error> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let types: Vec<Type> = params.iter().map(|(_, ty)| ty.clone()).collect();
    let statement = client.prepare_typed(sql, &types)?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

/// The values of `params`, without their types.
fn values<'a>(params: &Params<'a>) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|(value, _)| *value).collect()
}

/// The parts of a type that runs cached statements: its cache and its
/// connection.
trait Cached {
    type Connection: GenericClient;

    fn parts(&mut self) -> (&mut HashMap<String, Statement>, &mut Self::Connection);
}

impl Cached for CachedClient {
    type Connection = Client;

    fn parts(&mut self) -> (&mut HashMap<String, Statement>, &mut Client) {
        (&mut self.statements, &mut self.client)
    }
}

impl<'a> Cached for CachedTransaction<'a> {
    type Connection = Transaction<'a>;

    fn parts(&mut self) -> (&mut HashMap<String, Statement>, &mut Transaction<'a>) {
        (self.statements, &mut self.transaction)
    }
}

/// Implements [`Executor`] with statements prepared once (a blanket impl
/// over [`Cached`] would overlap the one over [`GenericClient`]).
macro_rules! cached_executor {
    ($type:ty) => {
        impl Executor for $type {
            fn fetch_all(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>, Error> {
                let (statements, connection) = self.parts();
                let statement = prepared(statements, connection, sql, params)?;
                connection.query(&statement, &values(params))
            }

            fn fetch_one(&mut self, sql: &str, params: &Params<'_>) -> Result<Row, Error> {
                let (statements, connection) = self.parts();
                let statement = prepared(statements, connection, sql, params)?;
                connection.query_one(&statement, &values(params))
            }

            fn fetch_optional(
                &mut self,
                sql: &str,
                params: &Params<'_>,
            ) -> Result<Option<Row>, Error> {
                let (statements, connection) = self.parts();
                let statement = prepared(statements, connection, sql, params)?;
                connection.query_opt(&statement, &values(params))
            }

            fn run(&mut self, sql: &str, params: &Params<'_>) -> Result<u64, Error> {
                let (statements, connection) = self.parts();
                let statement = prepared(statements, connection, sql, params)?;
                connection.execute(&statement, &values(params))
            }

            fn begin(&mut self) -> Result<Transaction<'_>, Error> {
                self.parts().1.transaction()
            }
        }
    };
}

cached_executor!(CachedClient);
cached_executor!(CachedTransaction<'_>);

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

