//! The Rust peers of the data-access benchmark (benches/access.rs), each
//! written as its documentation shows:
//!
//! - `diesel`: Diesel 2 with a `table!` schema, `Queryable`/`Selectable`
//!   and `Insertable` structs, the query builder, and batch `insert_into`
//!   for bulk loads.
//! - `sqlx`: sqlx on SQLite with `FromRow` structs and `query_as`, binds
//!   per call, statements cached by the connection, and `QueryBuilder`'s
//!   `push_values` for bulk loads; on a current-thread tokio runtime.
//!
//! `peer-arms [diesel] [sqlx]` runs one round of every workload for each
//! arm named (both by default) and prints `{"arm": {"workload": seconds}}`
//! as JSON. `peer-arms --rows N [arm]` instead prints the first N rows the
//! arm stores and reads back, so the bench can check that every arm stores
//! the same rows.
//!
//! Every arm gets what the generated crate's `open` gives: the pipeline's
//! whole `generated/schema.sql` (checks, foreign keys and indexes), foreign
//! keys on, a busy timeout, and WAL with `synchronous = NORMAL` on a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

// Sizes and workload names, as in benches/access.rs.
const BULK_ROWS: i64 = 100_000;
const LOOKUPS: i64 = 10_000;
const VIDEOS: i64 = 1_000;
const SINGLE_INSERTS: i64 = 10_000;
const WORKLOADS: [&str; 5] = [
    "insert_100k_one_transaction",
    "read_100k",
    "pk_lookup_10k",
    "video_history_1k",
    "insert_10k_own_transactions_file",
];
/// SQLite's default limit of bound parameters per statement (32,766)
/// over the 7 columns an insert binds, rounded down.
const ROWS_PER_BATCH: usize = 4_000;

/// The values of row `i`, as every arm of the bench builds them.
struct Values {
    youtube_video_id: String,
    views: i64,
    likes: i64,
    comments: i64,
    average_view_duration_seconds: Option<f64>,
    measured_at: DateTime<Utc>,
}

fn values(i: i64) -> Values {
    Values {
        youtube_video_id: format!("video-{:04}", i % VIDEOS),
        views: i,
        likes: i / 2,
        comments: i / 10,
        average_view_duration_seconds: Some(i as f64 * 0.5),
        measured_at: Utc.timestamp_opt(1_767_225_600 + i, 0).unwrap(),
    }
}

fn lookup_ids() -> impl Iterator<Item = i64> {
    (1..=BULK_ROWS).step_by((BULK_ROWS / LOOKUPS) as usize)
}

fn video_ids() -> Vec<String> {
    (0..VIDEOS).map(|v| format!("video-{v:04}")).collect()
}

fn schema_sql() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../generated/schema.sql");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A row as the bench compares them: the stored datetime as milliseconds.
type Compared = (i64, Option<i64>, String, i64, i64, i64, Option<f64>, i64);

/// What a round does, whatever the library.
trait Arm {
    /// A fresh database: in memory, or the file at `path`.
    fn open(&mut self, path: Option<&Path>);
    fn insert_bulk(&mut self, rows: &[Values]);
    fn read_all(&mut self) -> Vec<Compared>;
    fn get(&mut self, id: i64) -> Option<Compared>;
    fn history(&mut self, video: &str) -> Vec<Compared>;
    fn insert_one(&mut self, row: &Values);
}

mod diesel_arm {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    diesel::table! {
        analytics (id) {
            id -> BigInt,
            short_id -> Nullable<BigInt>,
            youtube_video_id -> Text,
            views -> BigInt,
            likes -> BigInt,
            comments -> BigInt,
            average_view_duration_seconds -> Nullable<Double>,
            measured_at -> TimestamptzSqlite,
        }
    }

    #[derive(Queryable, Selectable)]
    #[diesel(table_name = analytics, check_for_backend(diesel::sqlite::Sqlite))]
    pub struct Analytics {
        pub id: i64,
        pub short_id: Option<i64>,
        pub youtube_video_id: String,
        pub views: i64,
        pub likes: i64,
        pub comments: i64,
        pub average_view_duration_seconds: Option<f64>,
        pub measured_at: DateTime<Utc>,
    }

    #[derive(Insertable)]
    #[diesel(table_name = analytics)]
    pub struct NewAnalytics<'a> {
        pub short_id: Option<i64>,
        pub youtube_video_id: &'a str,
        pub views: i64,
        pub likes: i64,
        pub comments: i64,
        pub average_view_duration_seconds: Option<f64>,
        pub measured_at: DateTime<Utc>,
    }

    impl<'a> From<&'a Values> for NewAnalytics<'a> {
        fn from(row: &'a Values) -> Self {
            NewAnalytics {
                short_id: None,
                youtube_video_id: &row.youtube_video_id,
                views: row.views,
                likes: row.likes,
                comments: row.comments,
                average_view_duration_seconds: row.average_view_duration_seconds,
                measured_at: row.measured_at,
            }
        }
    }

    fn compared(row: Analytics) -> Compared {
        (
            row.id,
            row.short_id,
            row.youtube_video_id,
            row.views,
            row.likes,
            row.comments,
            row.average_view_duration_seconds,
            row.measured_at.timestamp_millis(),
        )
    }

    #[derive(Default)]
    pub struct Diesel {
        conn: Option<SqliteConnection>,
    }

    impl Diesel {
        fn conn(&mut self) -> &mut SqliteConnection {
            self.conn.as_mut().expect("opened")
        }
    }

    impl Arm for Diesel {
        fn open(&mut self, path: Option<&Path>) {
            let url = path.map_or(":memory:".to_owned(), |p| p.display().to_string());
            let mut conn = SqliteConnection::establish(&url).unwrap();
            let mut setup = String::from("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
            if path.is_some() {
                setup.push_str("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            }
            conn.batch_execute(&setup).unwrap();
            conn.batch_execute(&schema_sql()).unwrap();
            self.conn = Some(conn);
        }

        fn insert_bulk(&mut self, rows: &[Values]) {
            let new: Vec<NewAnalytics<'_>> = rows.iter().map(NewAnalytics::from).collect();
            self.conn()
                .transaction(|conn| {
                    for batch in new.chunks(ROWS_PER_BATCH) {
                        diesel::insert_into(analytics::table)
                            .values(batch)
                            .execute(conn)?;
                    }
                    diesel::QueryResult::Ok(())
                })
                .unwrap();
        }

        fn read_all(&mut self) -> Vec<Compared> {
            analytics::table
                .order(analytics::id)
                .select(Analytics::as_select())
                .load(self.conn())
                .unwrap()
                .into_iter()
                .map(compared)
                .collect()
        }

        fn get(&mut self, id: i64) -> Option<Compared> {
            analytics::table
                .find(id)
                .select(Analytics::as_select())
                .first(self.conn())
                .optional()
                .unwrap()
                .map(compared)
        }

        fn history(&mut self, video: &str) -> Vec<Compared> {
            analytics::table
                .filter(analytics::youtube_video_id.eq(video))
                .order((analytics::measured_at.desc(), analytics::id.desc()))
                .select(Analytics::as_select())
                .load(self.conn())
                .unwrap()
                .into_iter()
                .map(compared)
                .collect()
        }

        fn insert_one(&mut self, row: &Values) {
            diesel::insert_into(analytics::table)
                .values(NewAnalytics::from(row))
                .execute(self.conn())
                .unwrap();
        }
    }
}

mod sqlx_arm {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::{Connection, Executor, QueryBuilder, Sqlite, SqliteConnection};

    const LIST: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
        average_view_duration_seconds, measured_at FROM analytics ORDER BY id";
    const GET: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
        average_view_duration_seconds, measured_at FROM analytics WHERE id = ?";
    const HISTORY: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
        average_view_duration_seconds, measured_at FROM analytics WHERE youtube_video_id = ? \
        ORDER BY measured_at DESC, id DESC";
    const INSERT: &str = "INSERT INTO analytics (short_id, youtube_video_id, views, likes, \
        comments, average_view_duration_seconds, measured_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

    #[derive(sqlx::FromRow)]
    pub struct Analytics {
        pub id: i64,
        pub short_id: Option<i64>,
        pub youtube_video_id: String,
        pub views: i64,
        pub likes: i64,
        pub comments: i64,
        pub average_view_duration_seconds: Option<f64>,
        pub measured_at: DateTime<Utc>,
    }

    fn compared(row: Analytics) -> Compared {
        (
            row.id,
            row.short_id,
            row.youtube_video_id,
            row.views,
            row.likes,
            row.comments,
            row.average_view_duration_seconds,
            row.measured_at.timestamp_millis(),
        )
    }

    pub struct Sqlx {
        runtime: tokio::runtime::Runtime,
        conn: Option<SqliteConnection>,
    }

    impl Default for Sqlx {
        fn default() -> Self {
            Sqlx {
                runtime: tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap(),
                conn: None,
            }
        }
    }

    impl Arm for Sqlx {
        fn open(&mut self, path: Option<&Path>) {
            let options = match path {
                Some(path) => SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal),
                None => SqliteConnectOptions::new()
                    .in_memory(true)
                    .journal_mode(SqliteJournalMode::Memory),
            }
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
            self.conn = Some(self.runtime.block_on(async {
                let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
                // The schema is a file of ours, not input: safe to run as it is.
                let schema = sqlx::AssertSqlSafe(schema_sql());
                conn.execute(sqlx::raw_sql(schema)).await.unwrap();
                conn
            }));
        }

        fn insert_bulk(&mut self, rows: &[Values]) {
            let conn = self.conn.as_mut().expect("opened");
            self.runtime.block_on(async {
                let mut transaction = conn.begin().await.unwrap();
                for batch in rows.chunks(ROWS_PER_BATCH) {
                    let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(
                        "INSERT INTO analytics (short_id, youtube_video_id, views, likes, \
                         comments, average_view_duration_seconds, measured_at) ",
                    );
                    builder.push_values(batch, |mut row, values| {
                        row.push_bind(None::<i64>)
                            .push_bind(&values.youtube_video_id)
                            .push_bind(values.views)
                            .push_bind(values.likes)
                            .push_bind(values.comments)
                            .push_bind(values.average_view_duration_seconds)
                            .push_bind(values.measured_at);
                    });
                    builder.build().execute(&mut *transaction).await.unwrap();
                }
                transaction.commit().await.unwrap();
            });
        }

        fn read_all(&mut self) -> Vec<Compared> {
            let conn = self.conn.as_mut().expect("opened");
            self.runtime.block_on(async {
                sqlx::query_as::<_, Analytics>(LIST)
                    .fetch_all(conn)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(compared)
                    .collect()
            })
        }

        fn get(&mut self, id: i64) -> Option<Compared> {
            let conn = self.conn.as_mut().expect("opened");
            self.runtime.block_on(async {
                sqlx::query_as::<_, Analytics>(GET)
                    .bind(id)
                    .fetch_optional(conn)
                    .await
                    .unwrap()
                    .map(compared)
            })
        }

        fn history(&mut self, video: &str) -> Vec<Compared> {
            let conn = self.conn.as_mut().expect("opened");
            self.runtime.block_on(async {
                sqlx::query_as::<_, Analytics>(HISTORY)
                    .bind(video)
                    .fetch_all(conn)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(compared)
                    .collect()
            })
        }

        fn insert_one(&mut self, row: &Values) {
            let conn = self.conn.as_mut().expect("opened");
            self.runtime.block_on(async {
                sqlx::query(INSERT)
                    .bind(None::<i64>)
                    .bind(&row.youtube_video_id)
                    .bind(row.views)
                    .bind(row.likes)
                    .bind(row.comments)
                    .bind(row.average_view_duration_seconds)
                    .bind(row.measured_at)
                    .execute(conn)
                    .await
                    .unwrap();
            });
        }
    }
}

fn arm(name: &str) -> Box<dyn Arm> {
    match name {
        "diesel" => Box::<diesel_arm::Diesel>::default(),
        "sqlx" => Box::<sqlx_arm::Sqlx>::default(),
        other => panic!("unknown arm {other:?}: diesel or sqlx"),
    }
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// One round of every workload, as benches/access.rs's `rust_round`.
fn round(arm: &mut dyn Arm, rows: &[Values], dir: &Path) -> BTreeMap<&'static str, f64> {
    let mut times = BTreeMap::new();
    arm.open(None);
    let start = Instant::now();
    arm.insert_bulk(rows);
    times.insert(WORKLOADS[0], seconds(start));

    let start = Instant::now();
    let all = arm.read_all();
    times.insert(WORKLOADS[1], seconds(start));
    assert_eq!(all.len(), BULK_ROWS as usize);

    let start = Instant::now();
    let found = lookup_ids().filter(|&id| arm.get(id).is_some()).count();
    times.insert(WORKLOADS[2], seconds(start));
    assert_eq!(found, LOOKUPS as usize);

    let videos = video_ids();
    let start = Instant::now();
    let histories: usize = videos.iter().map(|v| arm.history(v).len()).sum();
    times.insert(WORKLOADS[3], seconds(start));
    assert_eq!(histories, BULK_ROWS as usize);

    let path: PathBuf = dir.join("single.db");
    arm.open(Some(&path));
    let start = Instant::now();
    for row in &rows[..SINGLE_INSERTS as usize] {
        arm.insert_one(row);
    }
    times.insert(WORKLOADS[4], seconds(start));
    arm.open(None);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    times
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rows") {
        let count: i64 = args[1].parse().expect("--rows takes a number");
        let rows: Vec<Values> = (0..count).map(values).collect();
        let mut stored = BTreeMap::new();
        for name in &args[2..] {
            let mut arm = arm(name);
            arm.open(None);
            arm.insert_bulk(&rows);
            stored.insert(name.clone(), arm.read_all());
        }
        println!("{}", serde_json::to_string(&stored).unwrap());
        return;
    }
    if args.is_empty() {
        args = vec!["diesel".to_owned(), "sqlx".to_owned()];
    }
    let rows: Vec<Values> = (0..BULK_ROWS).map(values).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut times = BTreeMap::new();
    for name in &args {
        times.insert(name.clone(), round(&mut *arm(name), &rows, dir.path()));
    }
    println!("{}", serde_json::to_string(&times).unwrap());
}
