-- gmvscope store, schema version 2: robots.txt kept between runs.
-- Only answers that decide (2xx rules, 4xx allow-all) are kept; a 5xx or an
-- unreachable robots.txt is asked for again later.
CREATE TABLE robots (
  origin     TEXT PRIMARY KEY,           -- scheme://host[:port]
  status     INTEGER NOT NULL,
  body       BLOB NOT NULL,
  fetched_at TEXT NOT NULL
) WITHOUT ROWID;
