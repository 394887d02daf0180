-- gmvscope store, schema version 7: each snapshot's week-over-week movers,
-- computed when it is written, so that "who moved this week" is a lookup
-- at any size of market.

-- The first 100 of each list the report shows, against the snapshot
-- before by date (snapshots.movers_vs): up and down (the largest rank
-- moves among creators in both), entered (by rank now), dropped (by rank
-- before) and breakouts (GMV ×3 or more from under $10K, by GMV now).
-- Ranks are by GMV, 1 = the largest; 0 when absent or without GMV.
CREATE TABLE movers (
  snapshot_id    INTEGER NOT NULL REFERENCES snapshots(id),
  list           TEXT NOT NULL,             -- up, down, entered, dropped, breakouts
  pos            INTEGER NOT NULL,          -- 1 = first
  handle         TEXT NOT NULL,
  status         TEXT NOT NULL,             -- entered, dropped, stayed
  followers_prev REAL,
  followers_now  REAL,
  gmv_prev_usd   REAL,
  gmv_now_usd    REAL,
  rank_prev      INTEGER NOT NULL,
  rank_now       INTEGER NOT NULL,
  PRIMARY KEY (snapshot_id, list, pos)
) WITHOUT ROWID;

-- What the lists were drawn from: the snapshot compared with (NULL: none
-- before, or not computed), how many creators entered, dropped, stayed
-- and broke out, and the rank correlation of follower change with GMV
-- change among those in both.
ALTER TABLE snapshots ADD COLUMN movers_vs INTEGER;
ALTER TABLE snapshots ADD COLUMN movers TEXT; -- JSON: {"entered", "dropped", "stayed", "breakouts", "together": {"N", "Rho", ...}}
