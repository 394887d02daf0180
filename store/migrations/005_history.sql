-- gmvscope store, schema version 5: weekly history, per-source locks and
-- page retention.

-- One creator across weeks, and a source's snapshots in order.
CREATE INDEX creators_handle ON creators(handle, snapshot_id);
CREATE INDEX snapshots_source ON snapshots(source, id);

-- A source is crawled by one process at a time: gmvscope run, the
-- scheduler, and any other run take this lock first, and renew it.
CREATE TABLE locks (
  source TEXT PRIMARY KEY,
  owner  TEXT NOT NULL,   -- host:pid
  since  TEXT NOT NULL,
  until  TEXT NOT NULL    -- renewed while the owner works; past it, another process may take it
) WITHOUT ROWID;

-- A pruned page keeps its row (URL, status, fetch time, what it gave);
-- only its body is gone.
ALTER TABLE pages ADD COLUMN pruned_at TEXT;

-- Snapshots in order with the one before each (of the same source), and
-- the newest complete (ok, not partial) snapshot of each source.
CREATE VIEW snapshot_history AS
  SELECT id, run_id, source, status, taken_at,
         lag(id) OVER (PARTITION BY source ORDER BY id) AS previous_id
  FROM snapshots;

CREATE VIEW latest_complete_snapshots AS
  SELECT s.* FROM snapshots s
  WHERE s.id = (SELECT max(id) FROM snapshots t WHERE t.source = s.source AND t.status = 'ok');
