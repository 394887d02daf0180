-- gmvscope store, schema version 6: every field a source gives has a place,
-- and nothing is merged in silence.

-- The line of the file (a CSV export's) a record came from.
ALTER TABLE records ADD COLUMN line INTEGER;

-- An imported file's content hash: importing it again is noticed.
ALTER TABLE pages ADD COLUMN sha256 TEXT;
CREATE INDEX pages_sha256 ON pages(sha256) WHERE sha256 IS NOT NULL;

-- The rank the source showed, and GMV by channel where the source splits
-- it (minor units of the creator's currency; NULL when not given).
ALTER TABLE creators ADD COLUMN rank INTEGER;
ALTER TABLE creators ADD COLUMN gmv_live INTEGER;
ALTER TABLE creators ADD COLUMN gmv_video INTEGER;
ALTER TABLE creators ADD COLUMN gmv_showcase INTEGER;
-- Each page kind's text of a numeric field that pages of more than one
-- kind gave, the winning one first: {"followers": [{"kind", "raw"}, ...]}.
ALTER TABLE creators ADD COLUMN shown TEXT NOT NULL DEFAULT '{}';

-- A product's revenue as the source gives it (estimates from price ×
-- units are computed in reports, never stored here).
ALTER TABLE products ADD COLUMN gmv INTEGER;

-- Live-shopping sessions, merged per session id.
CREATE TABLE lives (
  snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
  id           TEXT NOT NULL,
  creator      TEXT NOT NULL DEFAULT '',
  start        TEXT NOT NULL DEFAULT '',  -- as the source wrote it
  title        TEXT NOT NULL DEFAULT '',
  url          TEXT NOT NULL DEFAULT '',
  products     TEXT NOT NULL DEFAULT '',  -- product ids, comma separated
  duration_s   INTEGER,
  viewers      INTEGER,
  peak_viewers INTEGER,
  gmv          INTEGER,                   -- minor units of currency
  currency     TEXT NOT NULL DEFAULT '',
  gmv_usd      REAL,
  units        INTEGER,
  values_json  TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;
CREATE INDEX lives_creator ON lives(creator, snapshot_id);

-- Records that repeated a key already merged from the same page kind: an
-- export's row twice, a creator on two pages of a leaderboard.
CREATE TABLE repeats (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
  entity      TEXT NOT NULL,
  key         TEXT NOT NULL,
  kind        TEXT NOT NULL,
  url         TEXT NOT NULL,
  line        INTEGER,
  first_url   TEXT NOT NULL,
  first_line  INTEGER,
  identical   INTEGER NOT NULL,
  diffs       TEXT NOT NULL DEFAULT '[]'  -- [{field, kept, dropped}]
);
CREATE INDEX repeats_snapshot ON repeats(snapshot_id);

-- The values a snapshot's records published as ranges, by page kind and
-- field ([{Kind, Field, Values}]), counted as they were merged: reading a
-- report no longer scans every record's JSON. NULL for older snapshots,
-- whose counts are read from their records.
ALTER TABLE snapshots ADD COLUMN ranges TEXT;

-- Each snapshot's totals, counted once when it is written: the history
-- of 52 weeks of 600,000 creators is then 52 rows, not a scan of every
-- creator of every week. NULL for older snapshots, counted on reading.
ALTER TABLE snapshots ADD COLUMN n_creators INTEGER;
ALTER TABLE snapshots ADD COLUMN total_gmv_usd REAL;
ALTER TABLE snapshots ADD COLUMN n_with_gmv INTEGER;
ALTER TABLE snapshots ADD COLUMN n_with_followers INTEGER;

-- Snapshots in order of the date their data is of (an export imported
-- late sits at its own date), with the one before each.
DROP VIEW snapshot_history;
CREATE VIEW snapshot_history AS
  SELECT id, run_id, source, status, taken_at,
         lag(id) OVER (PARTITION BY source ORDER BY substr(taken_at, 1, 19), id) AS previous_id
  FROM snapshots;
