#!/usr/bin/env python3
"""The Python arms of the data-access benchmark (benches/access.rs).

Runs one round of every workload for the arms named on the command line
(by default orm, core and sqlite3) on the `analytics` table, created from
generated/schema.sql (schema.postgres.sql on PostgreSQL) so that every arm
has the same table, checks, foreign keys and indexes:

  orm      SQLAlchemy 2.x ORM (Session, mapped class), on SQLite
  core     SQLAlchemy 2.x Core (Table, insert/select), on SQLite
  sqlite3  the standard library's sqlite3, executemany for bulk inserts
  orm_pg   the ORM over psycopg2, on the server PIPELINE_DB_TEST_POSTGRES_URL names
  core_pg  Core over psycopg2, on that server

and prints {"arm": {"workload": seconds}} as JSON on stdout. Setup (schema,
seed rows) is not timed; building ORM objects is, as it is part of using
the ORM.

The first run creates a virtual environment (target/bench/venv) with
SQLAlchemy from requirements.txt beside this file, then re-runs itself in
it; later runs reuse it.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = ROOT / "target" / "bench" / "venv"

# Sizes, as in benches/access.rs.
BULK_ROWS = 100_000
LOOKUPS = 10_000
VIDEOS = 1_000
SINGLE_INSERTS = 10_000


def ensure_venv():
    """Re-executes this script in a venv with requirements.txt installed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    requirements = (HERE / "requirements.txt").read_text()
    installed = VENV / "requirements.installed"
    if not python.exists():
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not installed.exists() or installed.read_text() != requirements:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(HERE / "requirements.txt")],
            check=True,
        )
        installed.write_text(requirements)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


ensure_venv()

import sqlite3  # noqa: E402

from sqlalchemy import (  # noqa: E402
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Session  # noqa: E402

SCHEMA_SQL = (ROOT / "generated" / "schema.sql").read_text()
POSTGRES_SCHEMA_SQL = (ROOT / "generated" / "schema.postgres.sql").read_text()
POSTGRES_SCHEMA = "schemagen_bench_python"
BASE_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc).replace(tzinfo=None)


def row_values(i):
    """The same values the Rust arms insert for row `i`."""
    return {
        "short_id": None,
        "youtube_video_id": f"video-{i % VIDEOS:04}",
        "views": i,
        "likes": i // 2,
        "comments": i // 10,
        "average_view_duration_seconds": i * 0.5,
        "measured_at": BASE_TIME + timedelta(seconds=i),
    }


class Base(DeclarativeBase):
    pass


class Analytics(Base):
    __tablename__ = "analytics"
    id = Column(Integer, primary_key=True, autoincrement=True)
    # The foreign key to shorts is in the DDL (generated/schema.sql), which
    # the database enforces; the ORM needs no mapping of `shorts` for it.
    short_id = Column(BigInteger, nullable=True)
    youtube_video_id = Column(String(32), nullable=False)
    views = Column(BigInteger, nullable=False, default=0)
    likes = Column(BigInteger, nullable=False, default=0)
    comments = Column(BigInteger, nullable=False, default=0)
    average_view_duration_seconds = Column(Float, nullable=True)
    measured_at = Column(DateTime, nullable=False)


# Core uses the same definition, without the ORM.
metadata = MetaData()
analytics = Table(
    "analytics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("short_id", BigInteger, nullable=True),
    Column("youtube_video_id", String(32), nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("average_view_duration_seconds", Float, nullable=True),
    Column("measured_at", DateTime, nullable=False),
)


def engine_for(path):
    url = "sqlite://" if path is None else f"sqlite:///{path}"
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    with engine.begin() as conn:
        conn.connection.driver_connection.executescript(SCHEMA_SQL)
    return engine


def postgres_engine():
    """An engine on a fresh schema of the server the Rust arms use."""
    url = os.environ["PIPELINE_DB_TEST_POSTGRES_URL"]
    url = url.replace("postgres://", "postgresql+psycopg2://", 1)
    engine = create_engine(url, connect_args={"options": f"-csearch_path={POSTGRES_SCHEMA}"})
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(
            f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE; CREATE SCHEMA {POSTGRES_SCHEMA}"
        )
        cursor.execute(POSTGRES_SCHEMA_SQL)
    return engine


def sqlite_engines(workdir, name):
    """The in-memory engine of workloads 1-4 and the file one of 5."""
    return lambda: engine_for(None), lambda: engine_for(workdir / f"{name}.db")


def postgres_engines():
    return postgres_engine, postgres_engine


def sqlite3_connection(path):
    conn = sqlite3.connect(":memory:" if path is None else path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA_SQL)
    return conn


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def bulk_rows():
    return [row_values(i) for i in range(BULK_ROWS)]


def lookup_ids():
    return list(range(1, BULK_ROWS + 1, BULK_ROWS // LOOKUPS))


def video_ids():
    return [f"video-{v:04}" for v in range(VIDEOS)]


def orm_round(engines):
    rows = bulk_rows()
    results = {}
    bulk_engine, single_engine = engines
    engine = bulk_engine()

    def insert_bulk():
        with Session(engine) as session:
            session.add_all([Analytics(**values) for values in rows])
            session.commit()

    results["insert_100k_one_transaction"] = timed(insert_bulk)

    def read_all():
        with Session(engine) as session:
            loaded = session.scalars(select(Analytics)).all()
            assert len(loaded) == BULK_ROWS

    results["read_100k"] = timed(read_all)

    ids = lookup_ids()

    def lookups():
        with Session(engine) as session:
            for key in ids:
                assert session.get(Analytics, key) is not None

    results["pk_lookup_10k"] = timed(lookups)

    videos = video_ids()

    def histories():
        with Session(engine) as session:
            for video in videos:
                history = session.scalars(
                    select(Analytics)
                    .where(Analytics.youtube_video_id == video)
                    .order_by(Analytics.measured_at.desc(), Analytics.id.desc())
                ).all()
                assert len(history) == BULK_ROWS // VIDEOS

    results["video_history_1k"] = timed(histories)
    engine.dispose()

    file_engine = single_engine()
    singles = [row_values(i) for i in range(SINGLE_INSERTS)]

    def single_inserts():
        with Session(file_engine) as session:
            for values in singles:
                session.add(Analytics(**values))
                session.commit()

    results["insert_10k_own_transactions_file"] = timed(single_inserts)
    file_engine.dispose()
    return results


def core_round(engines):
    rows = bulk_rows()
    results = {}
    bulk_engine, single_engine = engines
    engine = bulk_engine()

    def insert_bulk():
        with engine.begin() as conn:
            conn.execute(insert(analytics), rows)

    results["insert_100k_one_transaction"] = timed(insert_bulk)

    def read_all():
        with engine.connect() as conn:
            loaded = conn.execute(select(analytics)).all()
            assert len(loaded) == BULK_ROWS

    results["read_100k"] = timed(read_all)

    ids = lookup_ids()

    def lookups():
        statement = select(analytics).where(analytics.c.id == bindparam("key"))
        with engine.connect() as conn:
            for key in ids:
                assert conn.execute(statement, {"key": key}).first() is not None

    results["pk_lookup_10k"] = timed(lookups)

    videos = video_ids()

    def histories():
        statement = (
            select(analytics)
            .where(analytics.c.youtube_video_id == bindparam("video"))
            .order_by(analytics.c.measured_at.desc(), analytics.c.id.desc())
        )
        with engine.connect() as conn:
            for video in videos:
                history = conn.execute(statement, {"video": video}).all()
                assert len(history) == BULK_ROWS // VIDEOS

    results["video_history_1k"] = timed(histories)
    engine.dispose()

    file_engine = single_engine()
    singles = [row_values(i) for i in range(SINGLE_INSERTS)]

    def single_inserts():
        statement = insert(analytics)
        for values in singles:
            with file_engine.begin() as conn:
                conn.execute(statement, values)

    results["insert_10k_own_transactions_file"] = timed(single_inserts)
    file_engine.dispose()
    return results


INSERT_SQL = (
    "INSERT INTO analytics (short_id, youtube_video_id, views, likes, comments, "
    "average_view_duration_seconds, measured_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
COLUMNS = (
    "id, short_id, youtube_video_id, views, likes, comments, "
    "average_view_duration_seconds, measured_at"
)


def as_tuple(values):
    return (
        values["short_id"],
        values["youtube_video_id"],
        values["views"],
        values["likes"],
        values["comments"],
        values["average_view_duration_seconds"],
        values["measured_at"].isoformat(),
    )


def typed(row):
    """A fetched row with its datetime parsed, as the other arms give."""
    return (*row[:7], datetime.fromisoformat(row[7]))


def sqlite3_round(workdir):
    rows = [as_tuple(values) for values in bulk_rows()]
    results = {}
    conn = sqlite3_connection(None)

    def insert_bulk():
        with conn:
            conn.executemany(INSERT_SQL, rows)

    results["insert_100k_one_transaction"] = timed(insert_bulk)

    def read_all():
        loaded = [typed(row) for row in conn.execute(f"SELECT {COLUMNS} FROM analytics ORDER BY id")]
        assert len(loaded) == BULK_ROWS

    results["read_100k"] = timed(read_all)

    ids = lookup_ids()

    def lookups():
        sql = f"SELECT {COLUMNS} FROM analytics WHERE id = ?"
        for key in ids:
            assert typed(conn.execute(sql, (key,)).fetchone()) is not None

    results["pk_lookup_10k"] = timed(lookups)

    videos = video_ids()

    def histories():
        sql = (
            f"SELECT {COLUMNS} FROM analytics WHERE youtube_video_id = ? "
            "ORDER BY measured_at DESC, id DESC"
        )
        for video in videos:
            history = [typed(row) for row in conn.execute(sql, (video,))]
            assert len(history) == BULK_ROWS // VIDEOS

    results["video_history_1k"] = timed(histories)
    conn.close()

    file_conn = sqlite3_connection(str(workdir / "sqlite3.db"))
    singles = [as_tuple(row_values(i)) for i in range(SINGLE_INSERTS)]

    def single_inserts():
        for values in singles:
            file_conn.execute(INSERT_SQL, values)
            file_conn.commit()

    results["insert_10k_own_transactions_file"] = timed(single_inserts)
    file_conn.close()
    return results


def main():
    arms = sys.argv[1:] or ["orm", "core", "sqlite3"]
    rounds = {
        "orm": lambda workdir: orm_round(sqlite_engines(workdir, "orm")),
        "core": lambda workdir: core_round(sqlite_engines(workdir, "core")),
        "sqlite3": sqlite3_round,
        "orm_pg": lambda _: orm_round(postgres_engines()),
        "core_pg": lambda _: core_round(postgres_engines()),
    }
    results = {}
    for arm in arms:
        with tempfile.TemporaryDirectory() as workdir:
            results[arm] = rounds[arm](Path(workdir))
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
