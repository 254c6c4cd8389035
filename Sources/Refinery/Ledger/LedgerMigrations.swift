import GRDB

/// The ledger's schema, as migrations. Shipped migrations are never edited; changes are new migrations.
enum LedgerMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-solves") { db in
            try db.execute(sql: v2)
        }
        return migrator
    }

    /// Samples move pending → generated → judged → kept → accepted, or to rejected from any non-terminal state.
    /// `accepted` (with a shard) and `rejected` (with a reason) are the terminal states.
    static let v1 = """
        CREATE TABLE run_info (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );

        CREATE TABLE sources (
            path TEXT PRIMARY KEY NOT NULL,
            documents INTEGER NOT NULL DEFAULT 0,
            chunks INTEGER NOT NULL DEFAULT 0,
            dropped_fragments INTEGER NOT NULL DEFAULT 0,
            quarantined INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            line INTEGER,
            column INTEGER,
            byte_offset INTEGER,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL
        );

        CREATE TABLE seeds (
            ordinal INTEGER PRIMARY KEY NOT NULL,
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            span_start INTEGER NOT NULL,
            span_end INTEGER NOT NULL,
            text TEXT NOT NULL
        );

        CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            seed_ordinal INTEGER NOT NULL REFERENCES seeds(ordinal),
            task TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            kind TEXT NOT NULL DEFAULT 'generate',
            round INTEGER NOT NULL DEFAULT 0,
            attempt INTEGER NOT NULL DEFAULT 0,
            parent_id INTEGER REFERENCES samples(id),
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'generated', 'judged', 'kept', 'accepted', 'rejected')),
            sampling_seed INTEGER NOT NULL,
            prompt_ref TEXT,
            prompt TEXT,
            output TEXT,
            finish_reason TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            generation_seconds REAL,
            problem TEXT,
            solution TEXT,
            answer TEXT,
            tests TEXT,
            score REAL,
            difficulty REAL,
            record_id TEXT,
            reject_stage TEXT,
            reject_reason TEXT,
            reject_detail TEXT,
            dedup_cluster TEXT,
            shard_id INTEGER REFERENCES shards(id),
            shard_line INTEGER,
            generated_at TEXT,
            judged_at TEXT,
            finished_at TEXT,
            UNIQUE (seed_ordinal, task, sample_index, kind, round, attempt),
            CHECK ((state = 'accepted') = (shard_id IS NOT NULL)),
            CHECK ((state = 'rejected') = (reject_reason IS NOT NULL))
        );
        CREATE INDEX samples_state ON samples(state);
        CREATE INDEX samples_record ON samples(record_id);

        CREATE TABLE judgments (
            sample_id INTEGER NOT NULL REFERENCES samples(id),
            position INTEGER NOT NULL,
            judge TEXT NOT NULL,
            version TEXT NOT NULL,
            passed INTEGER NOT NULL,
            score REAL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            seconds REAL NOT NULL DEFAULT 0,
            model TEXT NOT NULL DEFAULT '',
            prompt_ref TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (sample_id, judge)
        );

        CREATE TABLE shards (
            id INTEGER PRIMARY KEY NOT NULL,
            file TEXT NOT NULL UNIQUE,
            records INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            uncompressed_bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE stage_times (
            stage TEXT PRIMARY KEY NOT NULL,
            seconds REAL NOT NULL DEFAULT 0,
            items INTEGER NOT NULL DEFAULT 0
        );
        """
}

extension LedgerMigrations {
    /// Difficulty labels: each fresh solve attempt of an accepted problem.
    static let v2 = """
        CREATE TABLE solves (
            sample_id INTEGER NOT NULL REFERENCES samples(id),
            attempt INTEGER NOT NULL,
            sampling_seed INTEGER NOT NULL,
            output TEXT NOT NULL,
            solved INTEGER NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (sample_id, attempt)
        );
        """
}
