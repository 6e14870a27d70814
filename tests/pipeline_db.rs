//! What the video pipeline relies on in the generated `pipeline-db` crate,
//! beyond the per-table scenarios the crate tests itself: the clip check,
//! the analytics history order, timestamps, all-or-nothing inserts, and
//! errors that say the same on both engines.

mod common;

use chrono::{Duration, TimeZone, Utc};
use pipeline_db::codec::ValueProblem;
use pipeline_db::{
    analytics, clips, discovered_videos, pipeline_runs, ConstraintKind, ErrorKind, NewAnalytics,
    NewClip, NewDiscoveredVideo, NewPipelineRun, PipelineRunStatus, Violation,
};
use rusqlite::Connection;

fn db() -> Connection {
    let conn = pipeline_db::open_in_memory().unwrap();
    pipeline_db::init_db(&conn).unwrap();
    conn
}

fn run(conn: &Connection) -> pipeline_db::PipelineRun {
    let video = discovered_videos::insert(
        conn,
        &NewDiscoveredVideo {
            youtube_video_id: "dQw4w9WgXcQ".into(),
            title: "A long talk".into(),
            channel_id: "UC123".into(),
            channel_title: None,
            url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ".into(),
            duration_seconds: Some(5_400),
            view_count: None,
            published_at: None,
            status: None,
            discovered_at: None,
        },
    )
    .unwrap();
    pipeline_runs::insert(
        conn,
        &NewPipelineRun {
            video_id: video.id,
            correlation_id: "5f0c6a4e-0000-4000-8000-000000000001".into(),
            status: Some(PipelineRunStatus::Running),
            config_snapshot: Some(serde_json::json!({ "voice": "alloy" })),
            started_at: None,
            finished_at: None,
            error_message: None,
        },
    )
    .unwrap()
}

fn clip(run_id: i64, start: f64, end: f64) -> NewClip {
    NewClip {
        run_id,
        start_seconds: start,
        end_seconds: end,
        virality_score: None,
        transcript: None,
        file_path: None,
        created_at: None,
    }
}

/// The violation of the clip check, as both engines report it.
fn clip_check_violation() -> Violation {
    Violation {
        kind: ConstraintKind::Check,
        table: Some("clips".into()),
        columns: vec!["end_seconds".into(), "start_seconds".into()],
        constraint: Some("clips_end_after_start".into()),
    }
}

#[test]
fn a_clip_must_end_after_it_starts() {
    let conn = db();
    let run = run(&conn);
    assert!(clips::insert(&conn, &clip(run.id, 10.0, 42.5)).is_ok());
    for (start, end) in [(42.5, 42.5), (50.0, 10.0)] {
        let error = clips::insert(&conn, &clip(run.id, start, end)).unwrap_err();
        assert_eq!(error.violation(), Some(&clip_check_violation()), "{error}");
        assert!(
            error.to_string().contains("clips_end_after_start"),
            "{error}"
        );
    }
    assert_eq!(clips::list(&conn).unwrap().len(), 1);
}

#[test]
fn errors_name_what_sqlite_leaves_unnamed() {
    let conn = db();
    let run = run(&conn);
    // SQLite says only "FOREIGN KEY constraint failed".
    let error = clips::insert(&conn, &clip(run.id + 1, 1.0, 2.0)).unwrap_err();
    let violation = error.violation().unwrap();
    assert_eq!(violation.kind, ConstraintKind::ForeignKey);
    assert_eq!(violation.columns, ["run_id"]);
    assert_eq!(violation.constraint.as_deref(), Some("clips_run_id_fkey"));
    assert_eq!(error.message(), "FOREIGN KEY constraint failed");
    assert!(matches!(
        error.sqlite(),
        Some(rusqlite::Error::SqliteFailure(..))
    ));
    // A hand-written statement's error converts, and NOT NULL names its column.
    let error: pipeline_db::Error = conn
        .execute(
            "INSERT INTO clips (run_id, start_seconds) VALUES (1, 1.0)",
            [],
        )
        .unwrap_err()
        .into();
    let violation = error.violation().unwrap();
    assert_eq!(
        (
            violation.kind,
            violation.table.as_deref(),
            violation.columns.as_slice()
        ),
        (
            ConstraintKind::NotNull,
            Some("clips"),
            &["end_seconds".to_owned()][..]
        )
    );
}

#[test]
fn a_datetime_no_tool_wrote_names_table_column_and_value() {
    let conn = db();
    let run = run(&conn);
    conn.execute(
        "UPDATE pipeline_runs SET started_at = 'yesterday' WHERE id = ?1",
        [run.id],
    )
    .unwrap();
    let error = pipeline_runs::get(&conn, run.id).unwrap_err();
    match error.kind() {
        ErrorKind::UnreadableValue(unreadable) => {
            assert_eq!(
                (
                    unreadable.table,
                    unreadable.column,
                    unreadable.value.as_str()
                ),
                ("pipeline_runs", "started_at", "'yesterday'")
            );
        }
        other => panic!("expected an unreadable value, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "cannot read 'yesterday' in pipeline_runs.started_at: `yesterday` is not a datetime: \
         expected ISO 8601, like 2026-01-01T10:00:00.123Z"
    );
}

#[test]
fn text_longer_than_its_column_is_refused_before_the_write() {
    let conn = db();
    let run = run(&conn);
    let mut long = clip(run.id, 1.0, 2.0);
    long.file_path = Some("é".repeat(1_025));
    let error = clips::insert(&conn, &long).unwrap_err();
    match error.kind() {
        ErrorKind::InvalidValue(refusal) => {
            assert_eq!((refusal.table, refusal.column), ("clips", "file_path"));
            assert_eq!(refusal.problem, ValueProblem::TooLong { max: 1_024 });
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // 1,024 characters of two bytes each fit: the bound is in characters.
    long.file_path = Some("é".repeat(1_024));
    assert!(clips::insert(&conn, &long).is_ok());
}

/// The same writes on PostgreSQL give the same kinds, tables, columns and
/// constraint names, with PostgreSQL's detail in the message.
#[test]
#[cfg_attr(not(postgres_tests), ignore = "set PIPELINE_DB_TEST_POSTGRES_URL")]
fn postgres_reports_the_same_violations() {
    use pipeline_db::postgres as pg;

    let url = common::postgres_url().expect("a PostgreSQL server");
    let schema = common::PgSchema::new(&url, "pipeline_errors");
    let mut client = pg::connect(&schema.url).unwrap();
    pg::init_db(&mut client).unwrap();
    let video = pg::discovered_videos::insert(
        &mut client,
        &NewDiscoveredVideo::new("dQw4w9WgXcQ", "A talk", "UC1", "https://youtu.be/x"),
    )
    .unwrap();
    let run =
        pg::pipeline_runs::insert(&mut client, &NewPipelineRun::new(video.id, "c-1")).unwrap();
    let error = pg::clips::insert(&mut client, &clip(run.id, 50.0, 10.0)).unwrap_err();
    assert_eq!(error.violation(), Some(&clip_check_violation()), "{error}");
    let error = pg::clips::insert(&mut client, &clip(run.id + 1, 1.0, 2.0)).unwrap_err();
    let violation = error.violation().unwrap();
    assert_eq!(violation.columns, ["run_id"]);
    assert_eq!(violation.constraint.as_deref(), Some("clips_run_id_fkey"));
    assert!(
        error.message().contains("DETAIL: Key (run_id)="),
        "{}",
        error.message()
    );
    assert!(error.postgres().is_some());
    let duplicate = NewPipelineRun::new(video.id, "c-1");
    let error = pg::pipeline_runs::insert(&mut client, &duplicate).unwrap_err();
    let violation = error.violation().unwrap();
    assert_eq!(
        (violation.kind, violation.constraint.as_deref()),
        (
            ConstraintKind::Unique,
            Some("pipeline_runs_correlation_id_key")
        )
    );
    assert_eq!(violation.columns, ["correlation_id"]);
    // A hand-written statement's error converts, NOT NULL as on SQLite.
    let error: pipeline_db::Error = client
        .execute(
            "INSERT INTO clips (run_id, start_seconds) VALUES ($1, 1.0)",
            &[&run.id],
        )
        .unwrap_err()
        .into();
    let violation = error.violation().unwrap();
    assert_eq!(
        (
            violation.kind,
            violation.table.as_deref(),
            violation.columns.as_slice()
        ),
        (
            ConstraintKind::NotNull,
            Some("clips"),
            &["end_seconds".to_owned()][..]
        )
    );
}

#[test]
fn analytics_history_of_one_video_comes_newest_first() {
    let conn = db();
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    for (video, hours, views) in [("a", 0, 10), ("a", 2, 30), ("b", 1, 99), ("a", 1, 20)] {
        analytics::insert(
            &conn,
            &NewAnalytics {
                short_id: None,
                youtube_video_id: video.into(),
                views: Some(views),
                likes: None,
                comments: None,
                average_view_duration_seconds: None,
                measured_at: Some(start + Duration::hours(hours)),
            },
        )
        .unwrap();
    }
    let history = analytics::list_by_youtube_video_id(&conn, "a").unwrap();
    let views: Vec<i64> = history.iter().map(|row| row.views).collect();
    assert_eq!(views, [30, 20, 10]);
    assert!(history
        .iter()
        .all(|row| row.likes == 0 && row.comments == 0));
}

/// Analytics row `i`: every fourth leaves its defaulted counts to the
/// database, every third gives no duration.
fn analytics_row(i: i64) -> NewAnalytics {
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let given = |value: i64| (i % 4 != 0).then_some(value);
    NewAnalytics {
        short_id: None,
        youtube_video_id: format!("video-{}", i % 97),
        views: given(i),
        likes: given(i / 2),
        comments: given(i / 3),
        average_view_duration_seconds: (i % 3 != 0).then_some(i as f64 / 8.0),
        measured_at: Some(start + Duration::milliseconds(i * 1_001)),
    }
}

#[test]
fn insert_many_of_many_rows_stores_what_inserting_one_by_one_stores() {
    // More rows than a multi-row INSERT could bind (4,680 at seven
    // columns): insert_many's one statement reads them all.
    let rows: Vec<NewAnalytics> = (0..10_000).map(analytics_row).collect();
    let (many, single) = (db(), db());
    assert_eq!(analytics::insert_many(&many, &rows).unwrap(), rows.len());
    for row in &rows {
        analytics::insert(&single, row).unwrap();
    }
    let stored = analytics::list(&many).unwrap();
    assert_eq!(stored.len(), rows.len());
    assert_eq!(stored, analytics::list(&single).unwrap());
}

#[test]
fn insert_many_needs_no_more_than_a_lowered_parameter_limit() {
    // insert_many binds one parameter, its rows, whatever the limit.
    let (lowered, single) = (db(), db());
    lowered
        .set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 50)
        .unwrap();
    let rows: Vec<NewAnalytics> = (0..100).map(analytics_row).collect();
    assert_eq!(analytics::insert_many(&lowered, &rows).unwrap(), rows.len());
    for row in &rows {
        analytics::insert(&single, row).unwrap();
    }
    assert_eq!(
        analytics::list(&lowered).unwrap(),
        analytics::list(&single).unwrap()
    );
}

#[test]
fn insert_many_works_on_a_connection_opened_without_the_crate() {
    // The row function is registered by the first insert_many that needs
    // it, not by `open`.
    let conn = Connection::open_in_memory().unwrap();
    pipeline_db::init_db(&conn).unwrap();
    let rows: Vec<NewAnalytics> = (0..10).map(analytics_row).collect();
    assert_eq!(analytics::insert_many(&conn, &rows).unwrap(), 10);
    assert_eq!(analytics::insert_many(&conn, &rows).unwrap(), 10);
    assert_eq!(analytics::count(&conn).unwrap(), 20);
}

#[test]
fn the_row_function_refuses_sql_that_binds_it_no_rows() {
    let conn = db();
    analytics::insert_many(&conn, &[analytics_row(1)]).unwrap();
    let count = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0));
    for sql in [
        "SELECT count(*) FROM schemagen_rows_pipeline_db(NULL)",
        "SELECT count(*) FROM schemagen_rows_pipeline_db('rows')",
        "SELECT count(*) FROM schemagen_rows_pipeline_db",
    ] {
        let error = count(sql).unwrap_err().to_string();
        assert!(error.contains("reads only the rows"), "{sql}: {error}");
    }
    assert_eq!(analytics::count(&conn).unwrap(), 1);
}

#[test]
fn insert_many_refuses_a_value_and_names_the_row_that_holds_it() {
    let conn = db();
    let mut rows: Vec<NewAnalytics> = (0..1_000).map(analytics_row).collect();
    rows[700].youtube_video_id = "v".repeat(33);
    let error = analytics::insert_many(&conn, &rows).unwrap_err();
    assert!(error.to_string().contains("youtube_video_id"), "{error}");
    assert_eq!(analytics::count(&conn).unwrap(), 0);
}

#[test]
fn insert_many_refused_in_a_later_statement_stores_no_row() {
    let conn = db();
    let mut rows: Vec<NewAnalytics> = (0..10_000).map(analytics_row).collect();
    rows[9_500].short_id = Some(12_345);
    let error = analytics::insert_many(&conn, &rows).unwrap_err();
    let violation = error.violation().unwrap();
    assert_eq!(violation.kind, ConstraintKind::ForeignKey);
    assert_eq!(violation.columns, ["short_id"]);
    assert_eq!(analytics::count(&conn).unwrap(), 0);
}

#[test]
fn the_history_query_uses_its_index() {
    let conn = db();
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM analytics WHERE youtube_video_id = 'a' ORDER BY measured_at DESC, id DESC",
            [],
            |row| row.get(3),
        )
        .unwrap();
    assert!(plan.contains("idx_analytics_video"), "{plan}");
}

#[test]
fn a_dangling_foreign_key_leaves_nothing_behind() {
    let conn = db();
    assert!(clips::insert(&conn, &clip(12_345, 1.0, 2.0)).is_err());
    assert!(clips::list(&conn).unwrap().is_empty());
}

#[test]
fn timestamps_from_the_database_and_from_rust_sort_and_compare_alike() {
    let conn = db();
    let run = run(&conn);
    let by_database = clips::insert(&conn, &clip(run.id, 1.0, 2.0)).unwrap();
    let mut later = clip(run.id, 1.0, 2.0);
    later.created_at = Some(by_database.created_at + Duration::milliseconds(1));
    let by_rust = clips::insert(&conn, &later).unwrap();
    let stored: Vec<String> = conn
        .prepare("SELECT created_at FROM clips ORDER BY created_at")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|text| text.len() == 24 && text.ends_with('Z')));
    assert_eq!(
        by_rust.created_at - by_database.created_at,
        Duration::milliseconds(1)
    );
    // Sub-millisecond digits are dropped on write, as the database clock has none.
    let mut precise = clip(run.id, 1.0, 2.0);
    let instant = Utc.timestamp_nanos(1_767_225_600_123_456_789);
    precise.created_at = Some(instant);
    let stored = clips::insert(&conn, &precise).unwrap();
    assert_eq!(
        stored.created_at,
        Utc.timestamp_millis_opt(1_767_225_600_123).unwrap()
    );
}

#[test]
fn deleting_a_video_cascades_through_its_runs_and_clips() {
    let conn = db();
    let run = run(&conn);
    clips::insert(&conn, &clip(run.id, 1.0, 2.0)).unwrap();
    assert!(discovered_videos::delete(&conn, run.video_id).unwrap());
    assert!(pipeline_runs::list(&conn).unwrap().is_empty());
    assert!(clips::list(&conn).unwrap().is_empty());
}

/// The generated crate refuses JSON deeper than `MAX_JSON_DEPTH` because
/// the reader would refuse it: the limit is exactly the reader's.
#[test]
fn max_json_depth_is_the_deepest_json_the_reader_accepts() {
    let nested = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
    let depth = pipeline_db::codec::MAX_JSON_DEPTH;
    assert!(serde_json::from_str::<serde_json::Value>(&nested(depth)).is_ok());
    assert!(serde_json::from_str::<serde_json::Value>(&nested(depth + 1)).is_err());
}

/// Rows written by other tools (SQLAlchemy, sqlite3's own functions, a
/// hand-written INSERT) read back as the instants they mean.
#[test]
fn datetimes_other_tools_write_read_back_as_their_instants() {
    let conn = db();
    let run = run(&conn);
    let cases = [
        (
            "2026-01-01 10:00:00.123456",
            "2026-01-01T10:00:00.123456+00:00",
        ),
        ("2026-01-01 10:00:00", "2026-01-01T10:00:00+00:00"),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00+00:00"),
        (
            "2026-01-01T12:00:00.5+02:00",
            "2026-01-01T10:00:00.500+00:00",
        ),
        (
            "2026-01-01T10:00:00.123456789Z",
            "2026-01-01T10:00:00.123456789+00:00",
        ),
    ];
    for (stored, expected) in cases {
        conn.execute(
            "UPDATE pipeline_runs SET started_at = ?1 WHERE id = ?2",
            rusqlite::params![stored, run.id],
        )
        .unwrap();
        let read = pipeline_runs::get(&conn, run.id).unwrap().unwrap();
        assert_eq!(read.started_at.to_rfc3339(), expected, "{stored}");
    }
    conn.execute(
        "UPDATE pipeline_runs SET started_at = 'last tuesday' WHERE id = ?1",
        [run.id],
    )
    .unwrap();
    let error = pipeline_runs::get(&conn, run.id).unwrap_err();
    assert!(error.to_string().contains("last tuesday"), "{error}");
}

/// The variable that makes `one_worker_process` a worker writing to the
/// file it names.
const WORKER_DB: &str = "PIPELINE_DB_WORKER_DB";
const WORKER_ROWS: i64 = 100;

/// One of the processes of `four_processes_write_one_file_at_once`: run
/// only by it, with `WORKER_DB` set.
#[test]
#[ignore = "a worker process that four_processes_write_one_file_at_once starts"]
fn one_worker_process() {
    let Ok(path) = std::env::var(WORKER_DB) else {
        return;
    };
    let conn = pipeline_db::open(&path).unwrap();
    let worker = std::process::id();
    for n in 0..WORKER_ROWS {
        let video = NewDiscoveredVideo {
            youtube_video_id: format!("{worker}-{n}"),
            title: "t".into(),
            channel_id: "c".into(),
            channel_title: None,
            url: "u".into(),
            duration_seconds: None,
            view_count: None,
            published_at: None,
            status: None,
            discovered_at: None,
        };
        discovered_videos::insert(&conn, &video).unwrap();
    }
}

/// `open` makes an SQLite file safe for several workers: four processes
/// writing at once never see "database is locked".
#[test]
fn four_processes_write_one_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let conn = pipeline_db::open(&path).unwrap();
    pipeline_db::init_db(&conn).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // All four start before any is waited for.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "one_worker_process", "--ignored", "--quiet"])
                .env(WORKER_DB, &path)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let workers: Vec<_> = workers
        .into_iter()
        .map(|worker| worker.wait_with_output().unwrap())
        .collect();
    for worker in &workers {
        assert!(
            worker.status.success(),
            "{}{}",
            String::from_utf8_lossy(&worker.stdout),
            String::from_utf8_lossy(&worker.stderr)
        );
    }
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM discovered_videos", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(rows, 4 * WORKER_ROWS);
}

/// With the `serde` feature rows, insert values and enums serialize, enums
/// as the string the database stores.
#[test]
fn rows_inserts_and_enums_round_trip_through_serde() {
    let conn = db();
    let run = run(&conn);
    let json = serde_json::to_value(&run).unwrap();
    assert_eq!(json["status"], "running");
    assert_eq!(json["correlation_id"], run.correlation_id);
    let back: pipeline_db::PipelineRun = serde_json::from_value(json).unwrap();
    assert_eq!(back, run);
    let new = clip(run.id, 1.0, 2.0);
    let text = serde_json::to_string(&new).unwrap();
    assert_eq!(serde_json::from_str::<NewClip>(&text).unwrap(), new);
    let status: PipelineRunStatus = serde_json::from_str("\"succeeded\"").unwrap();
    assert_eq!(status, PipelineRunStatus::Succeeded);
}

/// The pipeline's own case: two workers both try to claim a pending run;
/// exactly one moves it to running.
#[test]
fn two_workers_cannot_both_move_a_run_from_pending_to_running() {
    let conn = db();
    let mut run = run(&conn);
    run = pipeline_runs::patch(
        &conn,
        run.id,
        &pipeline_db::PipelineRunPatch {
            status: Some(PipelineRunStatus::Pending),
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    let pending = pipeline_db::PipelineRunPatch {
        status: Some(PipelineRunStatus::Pending),
        ..Default::default()
    };
    let running = pipeline_db::PipelineRunPatch {
        status: Some(PipelineRunStatus::Running),
        ..Default::default()
    };
    let claims: Vec<bool> = (0..2)
        .map(|_| {
            pipeline_runs::patch_if(&conn, run.id, &pending, &running)
                .unwrap()
                .is_some()
        })
        .collect();
    assert_eq!(claims, [true, false]);
    let stored = pipeline_runs::get(&conn, run.id).unwrap().unwrap();
    assert_eq!(stored.status, PipelineRunStatus::Running);
    // Nothing else of the row was written.
    assert_eq!(stored.correlation_id, run.correlation_id);
}

/// A `CachedClient` prepares each statement once and gives what a plain
/// client gives, in and out of transactions, dynamic patches included.
#[test]
#[cfg_attr(not(postgres_tests), ignore = "set PIPELINE_DB_TEST_POSTGRES_URL")]
fn a_cached_client_gives_what_a_plain_one_gives() {
    use pipeline_db::postgres::{self as pg, CachedClient};
    use pipeline_db::PipelineRunPatch;

    let url = common::postgres_url().expect("a PostgreSQL server");
    let schema = common::PgSchema::new(&url, "pipeline_cached");
    let mut db = CachedClient::new(pg::connect(&schema.url).unwrap());
    pg::init_db(db.client()).unwrap();
    let video = pg::discovered_videos::insert(
        &mut db,
        &NewDiscoveredVideo::new("dQw4w9WgXcQ", "A talk", "UC1", "https://youtu.be/x"),
    )
    .unwrap();
    let mut runs = Vec::new();
    for n in 0..3 {
        let new = NewPipelineRun::new(video.id, format!("c-{n}"));
        runs.push(pg::pipeline_runs::insert(&mut db, &new).unwrap());
    }
    // The second and third calls reuse the statements the first prepared.
    for run in &runs {
        assert_eq!(
            pg::pipeline_runs::get(&mut db, run.id).unwrap().as_ref(),
            Some(run)
        );
    }
    let running = PipelineRunPatch {
        status: Some(PipelineRunStatus::Running),
        ..Default::default()
    };
    let pending = PipelineRunPatch {
        status: Some(PipelineRunStatus::Pending),
        ..Default::default()
    };
    let mut transaction = db.transaction().unwrap();
    let claimed = pg::pipeline_runs::patch_if(&mut transaction, runs[0].id, &pending, &running)
        .unwrap()
        .unwrap();
    assert_eq!(claimed.status, PipelineRunStatus::Running);
    assert_eq!(
        pg::pipeline_runs::patch_if(&mut transaction, runs[0].id, &pending, &running).unwrap(),
        None
    );
    transaction.commit().unwrap();
    let clips_loaded = pg::clips::insert_many(
        &mut db,
        &[clip(runs[1].id, 1.0, 2.0), clip(runs[1].id, 3.0, 4.0)],
    )
    .unwrap();
    assert_eq!(clips_loaded, 2);
    assert_eq!(
        pg::clips::list_by_run_id(&mut db, runs[1].id)
            .unwrap()
            .len(),
        2
    );
    // Errors name the same constraints through prepared statements.
    let error = pg::clips::insert(&mut db, &clip(runs[1].id, 5.0, 1.0)).unwrap_err();
    assert_eq!(error.violation(), Some(&clip_check_violation()), "{error}");
    let mut plain = pg::connect(&schema.url).unwrap();
    assert_eq!(
        pg::pipeline_runs::list(&mut plain).unwrap(),
        pg::pipeline_runs::list(&mut db).unwrap()
    );
}

proptest::proptest! {
    /// The codec writes datetimes digit by digit for speed; what it writes
    /// must stay what chrono's format gives, and what the database's own
    /// default writes, for every instant it stores.
    #[test]
    fn stored_datetime_text_is_what_the_format_gives(
        millis in -62_167_219_200_000i64..253_402_300_800_000,
        nanos in 0u32..1_000_000,
    ) {
        use pipeline_db::codec::{format_datetime, DATETIME_FORMAT};
        let at = Utc.timestamp_millis_opt(millis).unwrap() + Duration::nanoseconds(i64::from(nanos));
        proptest::prop_assert_eq!(format_datetime(&at), at.format(DATETIME_FORMAT).to_string());
    }
}

#[test]
fn stored_datetime_text_matches_sqlite_strftime() {
    let conn = db();
    for millis in [
        0i64,
        1_767_225_600_123,
        951_782_400_999,
        253_402_300_799_999,
    ] {
        let at = Utc.timestamp_millis_opt(millis).unwrap();
        let sqlite: String = conn
            .query_row(
                "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch')",
                [millis],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(pipeline_db::codec::format_datetime(&at), sqlite);
    }
}

#[test]
fn datetimes_the_fast_path_leaves_to_chrono_are_written_as_chrono_writes_them() {
    use chrono::NaiveDate;
    use pipeline_db::codec::{format_datetime, DATETIME_FORMAT};
    let leap_second = NaiveDate::from_ymd_opt(2016, 12, 31)
        .and_then(|day| day.and_hms_milli_opt(23, 59, 59, 1_500))
        .unwrap()
        .and_utc();
    let past_9999 = NaiveDate::from_ymd_opt(10_000, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap()
        .and_utc();
    let before_year_0 = NaiveDate::from_ymd_opt(-1, 6, 1)
        .and_then(|day| day.and_hms_opt(12, 0, 0))
        .unwrap()
        .and_utc();
    for at in [leap_second, past_9999, before_year_0] {
        assert_eq!(format_datetime(&at), at.format(DATETIME_FORMAT).to_string());
    }
}
