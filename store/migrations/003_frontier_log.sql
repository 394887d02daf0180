-- gmvscope store, schema version 3: the frontier becomes an append-only log.
-- Every state a URL takes in a run is a row: pending when it is found,
-- then pending again with next_attempt for each retry, then done or failed.
-- Rows are only ever appended, in the order the crawl settled them, so a
-- crawl writes them at the end of the table instead of all over a b-tree
-- keyed by URL; the log also keeps each attempt. `frontier` is now a view
-- with the same columns as before: each URL's latest row.
CREATE TABLE frontier_log (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  url          TEXT NOT NULL,
  kind         TEXT NOT NULL,
  state        TEXT NOT NULL,               -- pending, done, failed
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_attempt TEXT,                        -- a retry's earliest time
  reason       TEXT NOT NULL DEFAULT '',
  updated_at   TEXT NOT NULL
);
CREATE INDEX frontier_log_run ON frontier_log(run_id);

INSERT INTO frontier_log(run_id, url, kind, state, attempts, next_attempt, reason, updated_at)
  SELECT run_id, url, kind, state, attempts, next_attempt, reason, updated_at FROM frontier ORDER BY run_id, url;
DROP TABLE frontier;

-- Each URL of each run with its latest state (SQLite takes the bare
-- columns from the row where max(id) is found).
CREATE VIEW frontier AS
  SELECT run_id, url, kind, state, attempts, next_attempt, reason, updated_at
  FROM (SELECT *, max(id) FROM frontier_log GROUP BY run_id, url);
