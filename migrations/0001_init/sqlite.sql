-- Migration 0001_init, SQLite. Written by `schemagen migrate new`; review it, commit it, never edit it once applied.
-- The runner turns foreign keys off around it and checks every reference before it commits.

-- create table `discovered_videos` (model DiscoveredVideo)
CREATE TABLE discovered_videos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    youtube_video_id TEXT NOT NULL UNIQUE CHECK (length(youtube_video_id) <= 32),
    title TEXT NOT NULL CHECK (length(title) <= 500),
    channel_id TEXT NOT NULL CHECK (length(channel_id) <= 64),
    channel_title TEXT CHECK (length(channel_title) <= 255),
    url TEXT NOT NULL CHECK (length(url) <= 500),
    duration_seconds INTEGER,
    view_count INTEGER,
    published_at TEXT,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'queued', 'processing', 'processed', 'skipped', 'failed')),
    discovered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_discovered_videos_status ON discovered_videos (status);

-- create table `pipeline_runs` (model PipelineRun)
CREATE TABLE pipeline_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id INTEGER NOT NULL REFERENCES discovered_videos (id) ON DELETE CASCADE,
    correlation_id TEXT NOT NULL UNIQUE CHECK (length(correlation_id) <= 36),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    config_snapshot TEXT CHECK (config_snapshot IS NULL OR json_valid(config_snapshot)),
    started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT,
    error_message TEXT
);

-- create table `clips` (model Clip)
CREATE TABLE clips (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    start_seconds REAL NOT NULL,
    end_seconds REAL NOT NULL,
    virality_score REAL,
    transcript TEXT,
    file_path TEXT CHECK (length(file_path) <= 1024),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT clips_end_after_start CHECK (end_seconds > start_seconds)
);

-- create table `scripts` (model Script)
CREATE TABLE scripts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    clip_id INTEGER REFERENCES clips (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    model_name TEXT NOT NULL CHECK (length(model_name) <= 100),
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- create table `tts_audio` (model TTSAudio)
CREATE TABLE tts_audio (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    script_id INTEGER NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    file_path TEXT NOT NULL CHECK (length(file_path) <= 1024),
    voice TEXT NOT NULL CHECK (length(voice) <= 100),
    provider TEXT CHECK (length(provider) <= 50),
    duration_seconds REAL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- create table `shorts` (model Short)
CREATE TABLE shorts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    clip_id INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
    script_id INTEGER REFERENCES scripts (id) ON DELETE SET NULL,
    tts_audio_id INTEGER REFERENCES tts_audio (id) ON DELETE SET NULL,
    file_path TEXT NOT NULL CHECK (length(file_path) <= 1024),
    title TEXT CHECK (length(title) <= 100),
    description TEXT,
    youtube_video_id TEXT UNIQUE CHECK (length(youtube_video_id) <= 32),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending_review', 'approved', 'rejected', 'uploaded', 'failed')),
    uploaded_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- create table `analytics` (model Analytics)
CREATE TABLE analytics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    short_id INTEGER REFERENCES shorts (id) ON DELETE SET NULL,
    youtube_video_id TEXT NOT NULL CHECK (length(youtube_video_id) <= 32),
    views INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    average_view_duration_seconds REAL,
    measured_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_analytics_video ON analytics (youtube_video_id, measured_at);

-- create table `review_logs` (model ReviewLog)
CREATE TABLE review_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    short_id INTEGER NOT NULL REFERENCES shorts (id) ON DELETE CASCADE,
    reviewer TEXT NOT NULL CHECK (length(reviewer) <= 100),
    telegram_message_id INTEGER,
    "action" TEXT NOT NULL CHECK ("action" IN ('approve', 'reject', 'request_changes')),
    comment TEXT,
    reviewed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- create table `config_overrides` (model ConfigOverride)
CREATE TABLE config_overrides (
    "key" TEXT PRIMARY KEY NOT NULL CHECK (length("key") <= 100),
    value TEXT NOT NULL,
    updated_by TEXT CHECK (length(updated_by) <= 100),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- create table `error_logs` (model ErrorLog)
CREATE TABLE error_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER REFERENCES pipeline_runs (id) ON DELETE SET NULL,
    correlation_id TEXT CHECK (length(correlation_id) <= 36),
    module TEXT NOT NULL CHECK (length(module) <= 100),
    error_type TEXT NOT NULL CHECK (length(error_type) <= 100),
    message TEXT NOT NULL,
    traceback TEXT,
    context TEXT CHECK (context IS NULL OR json_valid(context)),
    resolved INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    occurred_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_error_log_module ON error_logs (module, occurred_at);
