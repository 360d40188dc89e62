import type { MigrationSet } from '../db/migrations.js';

/**
 * The case store's tables. A run's event log and the audit log are append-only: triggers refuse UPDATE, and DELETE
 * too, except the cascade that follows deleting the case itself (by then the parent run row is gone).
 */
export const CASES_MIGRATIONS: MigrationSet = {
  name: 'cases',
  migrations: [
    `CREATE TABLE cases (
       id TEXT PRIMARY KEY,
       title TEXT NOT NULL,
       question TEXT NOT NULL,
       options TEXT NOT NULL,             -- JSON [{letter, text}]; [] for free text
       status TEXT NOT NULL CHECK (status IN ('draft', 'answered', 'cancelled', 'failed', 'interrupted')),
       synthetic INTEGER NOT NULL DEFAULT 0,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );
     CREATE TABLE case_key_images (
       case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
       position INTEGER NOT NULL,
       sop_instance_uid TEXT NOT NULL,
       frame INTEGER NOT NULL,
       window_center REAL NOT NULL,
       window_width REAL NOT NULL,
       invert INTEGER NOT NULL,
       study_instance_uid TEXT,
       series_instance_uid TEXT,
       label TEXT,
       PRIMARY KEY (case_id, position)
     );
     CREATE TABLE runs (
       id TEXT PRIMARY KEY,
       case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
       status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'interrupted')),
       params TEXT NOT NULL,              -- JSON: the settings used
       inputs TEXT NOT NULL,              -- JSON: question, options and key images as run
       provenance TEXT,                   -- JSON, from the run's start event
       timings TEXT,                      -- JSON, from its summary event
       final_letter TEXT,
       final_confidence REAL,
       error TEXT,
       owner_pid INTEGER NOT NULL,        -- the process running it: a dead owner means a crash
       started_at TEXT NOT NULL,
       ended_at TEXT
     );
     CREATE INDEX runs_by_case ON runs (case_id, started_at);
     CREATE TABLE run_events (
       run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
       seq INTEGER NOT NULL,
       type TEXT NOT NULL,
       at INTEGER NOT NULL,
       body TEXT NOT NULL,                -- the AppEvent as sent
       PRIMARY KEY (run_id, seq)
     ) WITHOUT ROWID;
     CREATE TRIGGER run_events_no_update BEFORE UPDATE ON run_events
       BEGIN SELECT RAISE(ABORT, 'run_events is append-only'); END;
     CREATE TRIGGER run_events_no_delete BEFORE DELETE ON run_events
       WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
       BEGIN SELECT RAISE(ABORT, 'run_events is append-only'); END;
     CREATE TABLE evidence (
       run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
       seq INTEGER NOT NULL,              -- the evidence event it came in
       round INTEGER NOT NULL,
       rank INTEGER NOT NULL,
       query TEXT NOT NULL,
       passage_id TEXT NOT NULL,
       title TEXT,
       source TEXT,
       text TEXT NOT NULL,
       scores TEXT NOT NULL,              -- JSON {dense, bm25, fused}
       PRIMARY KEY (run_id, seq, rank)
     );
     CREATE TABLE answers (
       run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
       phase TEXT NOT NULL CHECK (phase IN ('initial', 'cdir')),
       letter TEXT,
       text TEXT NOT NULL,
       confidence REAL,
       distribution TEXT NOT NULL,        -- JSON {letter: p}
       PRIMARY KEY (run_id, phase)
     );
     CREATE TABLE audit_log (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       at TEXT NOT NULL,
       user TEXT NOT NULL,
       action TEXT NOT NULL,
       case_id TEXT,                      -- no foreign key: the log outlives what it mentions
       run_id TEXT,
       detail TEXT
     );
     CREATE INDEX audit_by_case ON audit_log (case_id, id);
     CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
     CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;`,
    // A case belongs to one patient; readers' reviews of runs (append-only: a new review supersedes, none is edited).
    `ALTER TABLE cases ADD COLUMN patient TEXT;      -- JSON {key, patientId, name}, or NULL before any known key image
     ALTER TABLE runs ADD COLUMN answer_valid INTEGER; -- from the summary: 1 valid answer, 0 none, NULL unknown (older runs)
     CREATE TABLE reviews (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
       run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
       verdict TEXT NOT NULL CHECK (verdict IN ('agree', 'disagree', 'edit')),
       note TEXT NOT NULL,
       edited_answer TEXT,
       user TEXT NOT NULL,
       at TEXT NOT NULL
     );
     CREATE INDEX reviews_by_case ON reviews (case_id, id);
     CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
     CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
       WHEN EXISTS (SELECT 1 FROM cases WHERE id = OLD.case_id)
       BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;`,
  ],
};
