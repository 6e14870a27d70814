//! Data access on the pipeline's `analytics` table, arm against arm in one
//! run: (a) the generated `pipeline_db` crate, (b) hand-written rusqlite as
//! a careful engineer writes it (`prepare_cached`, one transaction), and
//! through `bench/python_arms.py` (c) the SQLAlchemy 2.x ORM, (d) SQLAlchemy
//! Core and (e) Python's sqlite3 with executemany.
//!
//! Rounds alternate: each round runs every workload for (a) and (b), in
//! swapped order every other round, then one Python round; so a slow
//! stretch of a noisy machine lands on every arm, not on one. Each figure is
//! the median of the rounds, with min and max. Results go to stdout as a
//! Markdown table and to `target/bench/access.json`.
//!
//! On PostgreSQL (the server `PIPELINE_DB_TEST_POSTGRES_URL` names), the
//! same workloads run for the generated `pipeline_db::postgres` module on
//! (f) a `CachedClient` and (f2) a plain `Client`, and (g) hand-written
//! `postgres` with statements prepared once per connection, in rounds of
//! their own (the order rotating), with (h) the SQLAlchemy ORM and (i)
//! SQLAlchemy Core over psycopg2.
//!
//! The Rust peers, (j) Diesel 2 and (k) sqlx, run on SQLite from
//! `bench/peers`, a package of its own that links its own SQLite (see its
//! Cargo.toml), built here on first use and run once per round.
//!
//! After the SQLite table, a table of its own times workload 1 in memory
//! and on a file for (a), (b) and (z) SQLite alone, one `INSERT ... SELECT`
//! from a temporary table of the same rows: SQLite's own work on them with
//! nothing bound and nothing parsed per row, about what any client's
//! insert of these rows must pay.
//!
//! `cargo bench --bench access`; `BENCH_ROUNDS` (default 5) sets the rounds,
//! `BENCH_PYTHON=0` leaves the Python arms out, `BENCH_PEERS=0` the Rust
//! peers and `BENCH_POSTGRES=0` the PostgreSQL ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use pipeline_db::postgres as pg;
use pipeline_db::{analytics, Analytics, NewAnalytics};
use rusqlite::{params, Connection, OptionalExtension, Row};

const BULK_ROWS: i64 = 100_000;
const LOOKUPS: i64 = 10_000;
const VIDEOS: i64 = 1_000;
const SINGLE_INSERTS: i64 = 10_000;

/// Workloads, in table order, with what each does.
const WORKLOADS: [(&str, &str); 5] = [
    (
        "insert_100k_one_transaction",
        "insert 100,000 rows in one transaction",
    ),
    ("read_100k", "read all 100,000 rows into typed values"),
    ("pk_lookup_10k", "10,000 primary-key lookups"),
    (
        "video_history_1k",
        "history of one video through idx_analytics_video, for 1,000 videos (100 rows each)",
    ),
    (
        "insert_10k_own_transactions_file",
        "10,000 single-row inserts, each its own transaction, on a file",
    ),
];

/// Row `i` of every arm (the Python arms build the same values).
fn new_row(i: i64) -> NewAnalytics {
    NewAnalytics {
        short_id: None,
        youtube_video_id: format!("video-{:04}", i % VIDEOS),
        views: Some(i),
        likes: Some(i / 2),
        comments: Some(i / 10),
        average_view_duration_seconds: Some(i as f64 * 0.5),
        measured_at: Some(Utc.timestamp_opt(1_767_225_600 + i, 0).unwrap()),
    }
}

fn lookup_ids() -> impl Iterator<Item = i64> {
    (1..=BULK_ROWS).step_by((BULK_ROWS / LOOKUPS) as usize)
}

fn video_ids() -> Vec<String> {
    (0..VIDEOS).map(|v| format!("video-{v:04}")).collect()
}

/// One arm's implementation of the workloads; each returns what it read,
/// so the work cannot be optimised away and both arms can be compared.
trait Arm {
    fn insert_bulk(&self, conn: &mut Connection, rows: &[NewAnalytics]);
    fn read_all(&self, conn: &Connection) -> Vec<Analytics>;
    fn get(&self, conn: &Connection, id: i64) -> Option<Analytics>;
    fn history(&self, conn: &Connection, video: &str) -> Vec<Analytics>;
    fn insert_one(&self, conn: &Connection, row: &NewAnalytics);
}

/// (a) The generated crate, used as its documentation shows.
struct Generated;

impl Arm for Generated {
    fn insert_bulk(&self, conn: &mut Connection, rows: &[NewAnalytics]) {
        analytics::insert_many(conn, rows).unwrap();
    }

    fn read_all(&self, conn: &Connection) -> Vec<Analytics> {
        analytics::list(conn).unwrap()
    }

    fn get(&self, conn: &Connection, id: i64) -> Option<Analytics> {
        analytics::get(conn, id).unwrap()
    }

    fn history(&self, conn: &Connection, video: &str) -> Vec<Analytics> {
        analytics::list_by_youtube_video_id(conn, video).unwrap()
    }

    fn insert_one(&self, conn: &Connection, row: &NewAnalytics) {
        analytics::insert(conn, row).unwrap();
    }
}

/// (b) What a careful engineer writes by hand: cached statements, plain
/// INSERTs, the same text format for datetimes.
struct HandWritten;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";
const HAND_INSERT: &str = "INSERT INTO analytics (short_id, youtube_video_id, views, likes, \
    comments, average_view_duration_seconds, measured_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const HAND_LIST: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
    average_view_duration_seconds, measured_at FROM analytics ORDER BY id";
const HAND_GET: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
    average_view_duration_seconds, measured_at FROM analytics WHERE id = ?1";
const HAND_HISTORY: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
    average_view_duration_seconds, measured_at FROM analytics WHERE youtube_video_id = ?1 \
    ORDER BY measured_at DESC, id DESC";

fn hand_row(row: &Row<'_>) -> rusqlite::Result<Analytics> {
    let measured_at: String = row.get(7)?;
    let measured_at = NaiveDateTime::parse_from_str(&measured_at, FORMAT)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?
        .and_utc();
    Ok(Analytics {
        id: row.get(0)?,
        short_id: row.get(1)?,
        youtube_video_id: row.get(2)?,
        views: row.get(3)?,
        likes: row.get(4)?,
        comments: row.get(5)?,
        average_view_duration_seconds: row.get(6)?,
        measured_at,
    })
}

fn hand_insert(conn: &Connection, row: &NewAnalytics) {
    insert_by(conn, HAND_INSERT, row);
}

/// Inserts `row` by `sql`, an INSERT of [`HAND_INSERT`]'s parameters.
fn insert_by(conn: &Connection, sql: &str, row: &NewAnalytics) {
    let measured_at: DateTime<Utc> = row.measured_at.unwrap();
    conn.prepare_cached(sql)
        .unwrap()
        .execute(params![
            row.short_id,
            row.youtube_video_id,
            row.views.unwrap(),
            row.likes.unwrap(),
            row.comments.unwrap(),
            row.average_view_duration_seconds,
            measured_at.format(FORMAT).to_string(),
        ])
        .unwrap();
}

impl Arm for HandWritten {
    fn insert_bulk(&self, conn: &mut Connection, rows: &[NewAnalytics]) {
        let transaction = conn.transaction().unwrap();
        for row in rows {
            hand_insert(&transaction, row);
        }
        transaction.commit().unwrap();
    }

    fn read_all(&self, conn: &Connection) -> Vec<Analytics> {
        let mut statement = conn.prepare_cached(HAND_LIST).unwrap();
        let rows = statement.query_map([], hand_row).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    fn get(&self, conn: &Connection, id: i64) -> Option<Analytics> {
        conn.prepare_cached(HAND_GET)
            .unwrap()
            .query_row([id], hand_row)
            .optional()
            .unwrap()
    }

    fn history(&self, conn: &Connection, video: &str) -> Vec<Analytics> {
        let mut statement = conn.prepare_cached(HAND_HISTORY).unwrap();
        let rows = statement.query_map([video], hand_row).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    fn insert_one(&self, conn: &Connection, row: &NewAnalytics) {
        hand_insert(conn, row);
    }
}

/// A fresh database with the pipeline schema, foreign keys on, as
/// `pipeline_db::open` leaves it; both arms get the same.
fn database(path: Option<&Path>) -> Connection {
    let conn = match path {
        Some(path) => pipeline_db::open(path).unwrap(),
        None => pipeline_db::open_in_memory().unwrap(),
    };
    pipeline_db::init_db(&conn).unwrap();
    conn
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// One round of every workload for `arm`: seconds by workload.
fn rust_round(arm: &dyn Arm, rows: &[NewAnalytics], dir: &Path) -> BTreeMap<String, f64> {
    let mut times = BTreeMap::new();
    let mut conn = database(None);
    let start = Instant::now();
    arm.insert_bulk(&mut conn, rows);
    times.insert(WORKLOADS[0].0.to_owned(), seconds(start));

    let start = Instant::now();
    let all = arm.read_all(&conn);
    times.insert(WORKLOADS[1].0.to_owned(), seconds(start));
    assert_eq!(all.len(), BULK_ROWS as usize);

    let start = Instant::now();
    let found = lookup_ids()
        .filter(|&id| arm.get(&conn, id).is_some())
        .count();
    times.insert(WORKLOADS[2].0.to_owned(), seconds(start));
    assert_eq!(found, LOOKUPS as usize);

    let videos = video_ids();
    let start = Instant::now();
    let histories: usize = videos.iter().map(|v| arm.history(&conn, v).len()).sum();
    times.insert(WORKLOADS[3].0.to_owned(), seconds(start));
    assert_eq!(histories, BULK_ROWS as usize);
    drop(conn);

    let path = dir.join("single.db");
    let _ = std::fs::remove_file(&path);
    let conn = database(Some(&path));
    let start = Instant::now();
    for row in &rows[..SINGLE_INSERTS as usize] {
        arm.insert_one(&conn, row);
    }
    times.insert(WORKLOADS[4].0.to_owned(), seconds(start));
    drop(conn);
    std::fs::remove_file(&path).unwrap();
    times
}

/// One arm's workloads on PostgreSQL, on the connection it was given.
trait PgArm {
    /// Takes a new connection: a round starts on a fresh one.
    fn attach(&mut self, client: postgres::Client);
    fn insert_bulk(&mut self, rows: &[NewAnalytics]);
    fn read_all(&mut self) -> Vec<Analytics>;
    fn get(&mut self, id: i64) -> Option<Analytics>;
    fn history(&mut self, video: &str) -> Vec<Analytics>;
    fn insert_one(&mut self, row: &NewAnalytics);
}

/// (f) The generated crate's `postgres` module on a `CachedClient`, which
/// prepares each statement once per connection; (f2) the same functions on
/// a plain `Client`, one round trip a statement, parsed each time.
struct PgGenerated<C> {
    client: Option<C>,
    wrap: fn(postgres::Client) -> C,
}

impl<C: pg::Executor> PgArm for PgGenerated<C> {
    fn attach(&mut self, client: postgres::Client) {
        self.client = Some((self.wrap)(client));
    }

    fn insert_bulk(&mut self, rows: &[NewAnalytics]) {
        pg::analytics::insert_many(self.client.as_mut().unwrap(), rows).unwrap();
    }

    fn read_all(&mut self) -> Vec<Analytics> {
        pg::analytics::list(self.client.as_mut().unwrap()).unwrap()
    }

    fn get(&mut self, id: i64) -> Option<Analytics> {
        pg::analytics::get(self.client.as_mut().unwrap(), id).unwrap()
    }

    fn history(&mut self, video: &str) -> Vec<Analytics> {
        pg::analytics::list_by_youtube_video_id(self.client.as_mut().unwrap(), video).unwrap()
    }

    fn insert_one(&mut self, row: &NewAnalytics) {
        pg::analytics::insert(self.client.as_mut().unwrap(), row).unwrap();
    }
}

/// (g) Hand-written `postgres`: each statement prepared once per
/// connection and executed by handle, rows decoded by hand.
#[derive(Default)]
struct PgHandWritten {
    client: Option<postgres::Client>,
    statements: BTreeMap<&'static str, postgres::Statement>,
}

const PG_INSERT: &str = "INSERT INTO analytics (short_id, youtube_video_id, views, likes, \
    comments, average_view_duration_seconds, measured_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const PG_LIST: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
    average_view_duration_seconds, measured_at FROM analytics ORDER BY id";
const PG_GET: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
    average_view_duration_seconds, measured_at FROM analytics WHERE id = $1";
const PG_HISTORY: &str = "SELECT id, short_id, youtube_video_id, views, likes, comments, \
    average_view_duration_seconds, measured_at FROM analytics WHERE youtube_video_id = $1 \
    ORDER BY measured_at DESC, id DESC";

fn pg_row(row: &postgres::Row) -> Analytics {
    Analytics {
        id: row.get(0),
        short_id: row.get(1),
        youtube_video_id: row.get(2),
        views: row.get(3),
        likes: row.get(4),
        comments: row.get(5),
        average_view_duration_seconds: row.get(6),
        measured_at: row.get(7),
    }
}

fn pg_insert(
    client: &mut impl postgres::GenericClient,
    statement: &postgres::Statement,
    row: &NewAnalytics,
) {
    client
        .execute(
            statement,
            &[
                &row.short_id,
                &row.youtube_video_id,
                &row.views.unwrap(),
                &row.likes.unwrap(),
                &row.comments.unwrap(),
                &row.average_view_duration_seconds,
                &row.measured_at.unwrap(),
            ],
        )
        .unwrap();
}

impl PgHandWritten {
    fn parts(&mut self, sql: &'static str) -> (&mut postgres::Client, postgres::Statement) {
        let client = self.client.as_mut().unwrap();
        let statement = self
            .statements
            .entry(sql)
            .or_insert_with(|| client.prepare(sql).unwrap())
            .clone();
        (client, statement)
    }
}

impl PgArm for PgHandWritten {
    fn attach(&mut self, client: postgres::Client) {
        self.client = Some(client);
        self.statements.clear();
    }

    fn insert_bulk(&mut self, rows: &[NewAnalytics]) {
        let (client, statement) = self.parts(PG_INSERT);
        let mut transaction = client.transaction().unwrap();
        for row in rows {
            pg_insert(&mut transaction, &statement, row);
        }
        transaction.commit().unwrap();
    }

    fn read_all(&mut self) -> Vec<Analytics> {
        let (client, statement) = self.parts(PG_LIST);
        client
            .query(&statement, &[])
            .unwrap()
            .iter()
            .map(pg_row)
            .collect()
    }

    fn get(&mut self, id: i64) -> Option<Analytics> {
        let (client, statement) = self.parts(PG_GET);
        client
            .query_opt(&statement, &[&id])
            .unwrap()
            .as_ref()
            .map(pg_row)
    }

    fn history(&mut self, video: &str) -> Vec<Analytics> {
        let (client, statement) = self.parts(PG_HISTORY);
        client
            .query(&statement, &[&video])
            .unwrap()
            .iter()
            .map(pg_row)
            .collect()
    }

    fn insert_one(&mut self, row: &NewAnalytics) {
        let (client, statement) = self.parts(PG_INSERT);
        pg_insert(client, &statement, row);
    }
}

/// A new connection to an empty schema of its own holding the pipeline's
/// tables; every arm gets the same.
fn pg_database(url: &str) -> postgres::Client {
    let mut client = pg::connect(url).unwrap();
    client
        .batch_execute(
            "DROP SCHEMA IF EXISTS schemagen_bench CASCADE; CREATE SCHEMA schemagen_bench; \
             SET search_path TO schemagen_bench",
        )
        .unwrap();
    pg::init_db(&mut client).unwrap();
    client
}

/// One round of every workload for `arm` on PostgreSQL.
fn pg_round(arm: &mut dyn PgArm, rows: &[NewAnalytics], url: &str) -> BTreeMap<String, f64> {
    let mut times = BTreeMap::new();
    arm.attach(pg_database(url));
    let start = Instant::now();
    arm.insert_bulk(rows);
    times.insert(WORKLOADS[0].0.to_owned(), seconds(start));

    let start = Instant::now();
    let all = arm.read_all();
    times.insert(WORKLOADS[1].0.to_owned(), seconds(start));
    assert_eq!(all.len(), BULK_ROWS as usize);

    let start = Instant::now();
    let found = lookup_ids().filter(|&id| arm.get(id).is_some()).count();
    times.insert(WORKLOADS[2].0.to_owned(), seconds(start));
    assert_eq!(found, LOOKUPS as usize);

    let videos = video_ids();
    let start = Instant::now();
    let histories: usize = videos.iter().map(|v| arm.history(v).len()).sum();
    times.insert(WORKLOADS[3].0.to_owned(), seconds(start));
    assert_eq!(histories, BULK_ROWS as usize);

    // Autocommit: each insert is its own transaction, as on the SQLite file.
    arm.attach(pg_database(url));
    let start = Instant::now();
    for row in &rows[..SINGLE_INSERTS as usize] {
        arm.insert_one(row);
    }
    times.insert(WORKLOADS[4].0.to_owned(), seconds(start));
    times
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One round of the Python arms: arm -> workload -> seconds.
fn python_round(arms: &[&str]) -> BTreeMap<String, BTreeMap<String, f64>> {
    let output = Command::new("python3")
        .arg(root().join("bench/python_arms.py"))
        .args(arms)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "bench/python_arms.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python_arms.py prints JSON")
}

/// Builds `bench/peers` (once; later builds find nothing to do) and gives
/// its binary.
fn peer_binary() -> PathBuf {
    let target = root().join("target/peers");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(root().join("bench/peers/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "bench/peers failed to build");
    target.join("release/peer-arms")
}

/// Runs the peer binary with `args` and parses what it prints.
fn run_peers<T: serde::de::DeserializeOwned>(binary: &Path, args: &[&str]) -> T {
    let output = Command::new(binary)
        .args(args)
        .output()
        .expect("peer-arms runs");
    assert!(
        output.status.success(),
        "peer-arms failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("peer-arms prints JSON")
}

/// A row as the peers report it: the stored datetime as milliseconds.
type Compared = (i64, Option<i64>, String, i64, i64, i64, Option<f64>, i64);

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

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Arm -> workload -> seconds of each round.
type Times = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

/// Prints a Markdown table of `arms`' medians (min-max) and ratios to
/// `baseline`'s median, a row per workload.
fn print_table(times: &Times, arms: &[&str], baseline: &str) {
    println!("| workload | {} |", arms.join(" | "));
    println!("|---|{}", "---:|".repeat(arms.len()));
    for (workload, description) in WORKLOADS {
        let base = median(&times[baseline][workload]);
        print!("| {description} |");
        for arm in arms {
            print!(" {} |", cell(&times[*arm][workload], base));
        }
        println!();
    }
}

/// A table cell: the median of `values` (min-max) and its ratio to `base`.
fn cell(values: &[f64], base: f64) -> String {
    let m = median(values);
    let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = values.iter().cloned().fold(0.0, f64::max);
    format!("{m:.4} s ({min:.4}-{max:.4}) **{:.2}x**", m / base)
}

/// The columns of the bulk-load table: (a), (b) and (z), SQLite alone.
const BULK_ARMS: [&str; 3] = ["a_generated", "b_hand_written", "z_sqlite_alone"];

/// (z): the rows copied by one `INSERT ... SELECT` from a temporary table
/// of the same connection, filled beforehand (untimed). It binds no value
/// and parses nothing per row: SQLite's own work on these rows (B-tree
/// inserts, the index, the CHECKs and the foreign key) with a cheap
/// source, about what any client's insert of them must pay. Gives the
/// seconds of the copy.
fn sqlite_alone(conn: &Connection, rows: &[NewAnalytics]) -> f64 {
    conn.execute_batch(
        "CREATE TEMP TABLE source AS SELECT short_id, youtube_video_id, views, likes, \
         comments, average_view_duration_seconds, measured_at FROM analytics LIMIT 0",
    )
    .unwrap();
    let fill = HAND_INSERT.replace("INTO analytics", "INTO temp.source");
    let transaction = conn.unchecked_transaction().unwrap();
    for row in rows {
        insert_by(&transaction, &fill, row);
    }
    transaction.commit().unwrap();
    let start = Instant::now();
    conn.execute_batch(
        "INSERT INTO analytics (short_id, youtube_video_id, views, likes, comments, \
         average_view_duration_seconds, measured_at) SELECT * FROM temp.source",
    )
    .unwrap();
    seconds(start)
}

/// Workload 1 again for (a), (b) and (z) (see [`sqlite_alone`]), in
/// rounds of their own (the order rotating), in memory and on a file: on
/// a file, what a statement changes costs more than in memory (SQLite's
/// journals and page cache). Printed as a table of its own.
fn print_bulk_rounds(rounds: usize, rows: &[NewAnalytics], dir: &Path) {
    let places = [
        ("in memory", None),
        ("on a file", Some(dir.join("bulk.db"))),
    ];
    println!("\n| workload | {} |", BULK_ARMS.join(" | "));
    println!("|---|---:|---:|---:|");
    for (place, path) in places {
        let mut times: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for round in 0..rounds {
            let mut arms = BULK_ARMS;
            arms.rotate_left(round % BULK_ARMS.len());
            for arm in arms {
                if let Some(path) = &path {
                    let _ = std::fs::remove_file(path);
                }
                let mut conn = database(path.as_deref());
                let elapsed = match arm {
                    "a_generated" | "b_hand_written" => {
                        let bulk: &dyn Arm = if arm == "a_generated" {
                            &Generated
                        } else {
                            &HandWritten
                        };
                        let start = Instant::now();
                        bulk.insert_bulk(&mut conn, rows);
                        seconds(start)
                    }
                    _ => sqlite_alone(&conn, rows),
                };
                times.entry(arm).or_default().push(elapsed);
                drop(conn);
                if let Some(path) = &path {
                    std::fs::remove_file(path).unwrap();
                }
            }
        }
        let base = median(&times["b_hand_written"]);
        print!("| insert 100,000 rows in one transaction, {place}, rounds of their own |");
        for arm in BULK_ARMS {
            print!(" {} |", cell(&times[arm], base));
        }
        println!();
    }
}

/// Writes `target/bench/access.svg`: per workload, each arm's median as a
/// ratio to the hand-written arm of its engine, on a log scale.
fn write_svg(times: &Times) {
    let baseline = |arm: &str| {
        if arm.contains("pg") {
            "g_pg_hand_written"
        } else {
            "b_hand_written"
        }
    };
    let arms: Vec<&String> = times.keys().collect();
    let (left, width, row, gap) = (330.0, 360.0, 14.0, 16.0);
    let (low, high) = (0.01_f64.log10(), 100_f64.log10());
    let x = |ratio: f64| left + (ratio.log10().clamp(low, high) - low) / (high - low) * width;
    let height = 60.0 + WORKLOADS.len() as f64 * ((arms.len() + 1) as f64 * row + gap) + 30.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" \
         fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"13\">Data access on analytics: \
         median time as a ratio to hand-written code on the same engine (log scale; \
         left of 1x is faster)</text>\n",
        left + width + 80.0
    );
    for tick in [0.01, 0.1, 1.0, 10.0, 100.0] {
        let at = x(tick);
        let stroke = if tick == 1.0 { "#333" } else { "#ddd" };
        svg.push_str(&format!(
            "<line x1=\"{at}\" y1=\"40\" x2=\"{at}\" y2=\"{}\" stroke=\"{stroke}\"/>\
             <text x=\"{at}\" y=\"{}\" text-anchor=\"middle\">{tick}x</text>\n",
            height - 30.0,
            height - 16.0
        ));
    }
    let mut y = 50.0;
    for (workload, description) in WORKLOADS {
        svg.push_str(&format!(
            "<text x=\"10\" y=\"{}\" font-weight=\"bold\">{}</text>\n",
            y + 9.0,
            description.split(" through ").next().unwrap_or(description)
        ));
        y += row;
        for arm in &arms {
            let ratio = median(&times[*arm][workload]) / median(&times[baseline(arm)][workload]);
            let (from, to) = (x(1.0).min(x(ratio)), x(1.0).max(x(ratio)));
            let colour = if arm.contains("generated") {
                "#1f77b4"
            } else {
                "#999"
            };
            svg.push_str(&format!(
                "<text x=\"20\" y=\"{}\">{arm}</text><rect x=\"{from}\" y=\"{y}\" \
                 width=\"{}\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">\
                 {ratio:.2}x</text>\n",
                y + 9.0,
                (to - from).max(1.0),
                to + 4.0,
                y + 9.0
            ));
            y += row;
        }
        y += gap;
    }
    svg.push_str("</svg>\n");
    let bench_dir = root().join("target/bench");
    std::fs::create_dir_all(&bench_dir).unwrap();
    std::fs::write(bench_dir.join("access.svg"), svg).unwrap();
}

fn main() {
    // `cargo test --benches` and `cargo bench --no-run` must not run this.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .map_or(5, |v| v.parse().unwrap());
    let python = std::env::var("BENCH_PYTHON").map_or(true, |v| v != "0");
    let peers = std::env::var("BENCH_PEERS").map_or(true, |v| v != "0");
    // Tables and plot again from a run's figures, without running anything.
    if let Ok(path) = std::env::var("BENCH_REPLOT") {
        let times: Times = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let sqlite_arms: Vec<&str> = times
            .keys()
            .map(String::as_str)
            .filter(|arm| !arm.contains("pg"))
            .collect();
        print_table(&times, &sqlite_arms, "b_hand_written");
        if times.contains_key("g_pg_hand_written") {
            println!();
            let pg_arms: Vec<&str> = times
                .keys()
                .map(String::as_str)
                .filter(|arm| arm.contains("pg"))
                .collect();
            print_table(&times, &pg_arms, "g_pg_hand_written");
        }
        write_svg(&times);
        return;
    }
    let rows: Vec<NewAnalytics> = (0..BULK_ROWS).map(new_row).collect();
    let dir = tempfile::tempdir().unwrap();

    // The two Rust arms must give the same rows, all 100,000 of them;
    // checked once, untimed.
    {
        let (mut a, mut b) = (database(None), database(None));
        Generated.insert_bulk(&mut a, &rows);
        HandWritten.insert_bulk(&mut b, &rows);
        assert_eq!(Generated.read_all(&a), HandWritten.read_all(&b));
    }
    // So must the peers, read back through their own libraries.
    let peer_binary = peers.then(peer_binary);
    if let Some(binary) = &peer_binary {
        let mut a = database(None);
        Generated.insert_bulk(&mut a, &rows[..1_000]);
        let expected: Vec<Compared> = Generated.read_all(&a).into_iter().map(compared).collect();
        let stored: BTreeMap<String, Vec<Compared>> =
            run_peers(binary, &["--rows", "1000", "diesel", "sqlx"]);
        for (arm, rows) in stored {
            assert!(
                rows == expected,
                "{arm} stores other rows than the generated crate"
            );
        }
    }

    // arm -> workload -> seconds of each round
    let mut times: Times = BTreeMap::new();
    let mut record = |arm: &str, round: BTreeMap<String, f64>| {
        for (workload, seconds) in round {
            times
                .entry(arm.to_owned())
                .or_default()
                .entry(workload)
                .or_default()
                .push(seconds);
        }
    };
    for round in 0..rounds {
        let arms: [(&str, &dyn Arm); 2] = if round % 2 == 0 {
            [
                ("a_generated", &Generated),
                ("b_hand_written", &HandWritten),
            ]
        } else {
            [
                ("b_hand_written", &HandWritten),
                ("a_generated", &Generated),
            ]
        };
        for (name, arm) in arms {
            record(name, rust_round(arm, &rows, dir.path()));
        }
        if python {
            for (arm, results) in python_round(&[]) {
                let name = match arm.as_str() {
                    "orm" => "c_sqlalchemy_orm",
                    "core" => "d_sqlalchemy_core",
                    _ => "e_python_sqlite3",
                };
                record(name, results);
            }
        }
        if let Some(binary) = &peer_binary {
            let round: BTreeMap<String, BTreeMap<String, f64>> = run_peers(binary, &[]);
            for (arm, results) in round {
                let name = match arm.as_str() {
                    "diesel" => "j_diesel",
                    _ => "k_sqlx",
                };
                record(name, results);
            }
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }

    println!("Median seconds over {rounds} rounds (min-max), and the ratio to (b) hand-written rusqlite:\n");
    let sqlite_arms: Vec<&str> = times.keys().map(String::as_str).collect();
    print_table(&times, &sqlite_arms, "b_hand_written");
    print_bulk_rounds(rounds, &rows, dir.path());
    let postgres_url = std::env::var("PIPELINE_DB_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| {
            !url.is_empty() && std::env::var("BENCH_POSTGRES").map_or(true, |v| v != "0")
        });
    if let Some(url) = postgres_url {
        let cached = || PgGenerated {
            client: None,
            wrap: pg::CachedClient::new,
        };
        let plain = || PgGenerated {
            client: None,
            wrap: |client| client,
        };
        // The arms must store and read the same rows; checked once.
        {
            let mut stored = Vec::new();
            let arms: [Box<dyn PgArm>; 3] = [
                Box::new(cached()),
                Box::new(plain()),
                Box::new(PgHandWritten::default()),
            ];
            for mut arm in arms {
                arm.attach(pg_database(&url));
                arm.insert_bulk(&rows[..1_000]);
                stored.push(arm.read_all());
            }
            assert!(stored.windows(2).all(|pair| pair[0] == pair[1]));
        }
        let mut pg_times: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        let (mut cached, mut plain, mut hand) = (cached(), plain(), PgHandWritten::default());
        for round in 0..rounds {
            let mut arms: [(&str, &mut dyn PgArm); 3] = [
                ("f_pg_generated_cached", &mut cached),
                ("f2_pg_generated_plain", &mut plain),
                ("g_pg_hand_written", &mut hand),
            ];
            arms.rotate_left(round % 3);
            for (name, arm) in arms {
                for (workload, seconds) in pg_round(arm, &rows, &url) {
                    pg_times
                        .entry(name.to_owned())
                        .or_default()
                        .entry(workload)
                        .or_default()
                        .push(seconds);
                }
            }
            if python {
                for (arm, results) in python_round(&["orm_pg", "core_pg"]) {
                    let name = match arm.as_str() {
                        "orm_pg" => "h_pg_sqlalchemy_orm",
                        _ => "i_pg_sqlalchemy_core",
                    };
                    for (workload, seconds) in results {
                        pg_times
                            .entry(name.to_owned())
                            .or_default()
                            .entry(workload)
                            .or_default()
                            .push(seconds);
                    }
                }
            }
            eprintln!("PostgreSQL round {} of {rounds} done", round + 1);
        }
        println!("\nPostgreSQL: median seconds over {rounds} rounds (min-max), and the ratio to (g) hand-written postgres:\n");
        let pg_arms: Vec<&str> = pg_times.keys().map(String::as_str).collect();
        print_table(&pg_times, &pg_arms, "g_pg_hand_written");
        times.extend(pg_times);
    }
    write_svg(&times);
    let bench_dir = root().join("target/bench");
    std::fs::create_dir_all(&bench_dir).unwrap();
    std::fs::write(
        bench_dir.join("access.json"),
        serde_json::to_string_pretty(&times).unwrap(),
    )
    .unwrap();
}
