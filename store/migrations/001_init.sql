-- gmvscope store, schema version 1. Times are RFC 3339 UTC text.

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  source      TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL,              -- running, ok, partial, failed, cancelled
  reason      TEXT NOT NULL DEFAULT '',   -- why the run finished as it did
  stats       TEXT NOT NULL DEFAULT '{}', -- JSON: requests by status, bytes, latency
  owner       TEXT NOT NULL DEFAULT '',   -- host:pid of the process crawling a running run
  lease_until TEXT                        -- the owner renews it; past it, another process may resume
);

-- The crawl frontier: every URL a run knows, with its state.
CREATE TABLE frontier (
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  url        TEXT NOT NULL,
  kind       TEXT NOT NULL,
  state      TEXT NOT NULL,               -- pending, done, failed
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_attempt TEXT,                      -- a retry's earliest time
  reason     TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, url)
) WITHOUT ROWID;

-- Every fetch, with its raw body zstd-compressed (decompress with zstd -d), so parsing can be re-run offline.
CREATE TABLE pages (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  url          TEXT NOT NULL,
  kind         TEXT NOT NULL,
  status       INTEGER NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  fetched_at   TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 1,
  bytes        INTEGER NOT NULL DEFAULT 0,
  failure      TEXT NOT NULL DEFAULT '',  -- empty when the page was usable
  etag         TEXT NOT NULL DEFAULT '',  -- validators for a conditional GET next time
  last_modified TEXT NOT NULL DEFAULT '',
  same_as      INTEGER,                   -- a 304: the earlier page whose body this is
  body_zst     BLOB
);
CREATE INDEX pages_run ON pages(run_id);

-- What one page said about one creator or product. fields is a JSON object:
-- field name -> {kind, raw, num | low, high, estimate, float, text, currency, period},
-- money in minor units of currency. The view observed has one row per value.
CREATE TABLE records (
  id         INTEGER PRIMARY KEY,
  page_id    INTEGER NOT NULL REFERENCES pages(id),
  entity     TEXT NOT NULL,
  key        TEXT NOT NULL,
  precedence INTEGER NOT NULL DEFAULT 0,
  fields     TEXT NOT NULL
);
CREATE INDEX records_page ON records(page_id);

CREATE TABLE rejects (
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES runs(id),
  page_id INTEGER REFERENCES pages(id),
  url     TEXT NOT NULL,
  entity  TEXT NOT NULL DEFAULT '',
  key     TEXT NOT NULL DEFAULT '',
  field   TEXT NOT NULL DEFAULT '',
  raw     TEXT NOT NULL DEFAULT '',
  reason  TEXT NOT NULL
);
CREATE INDEX rejects_run ON rejects(run_id);

-- A snapshot exists only for a run that finished ok or partial; it is
-- written in the same transaction that finishes the run.
CREATE TABLE snapshots (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL UNIQUE REFERENCES runs(id),
  source      TEXT NOT NULL,
  status      TEXT NOT NULL,
  taken_at    TEXT NOT NULL,
  source_info TEXT NOT NULL               -- JSON: start URLs, currency, rate and its date
);

CREATE TABLE creators (
  snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
  handle       TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  followers    INTEGER,
  gmv          INTEGER,                   -- minor units; NULL when missing, never 0 for missing
  gmv_low      INTEGER,
  gmv_high     INTEGER,
  gmv_estimate INTEGER NOT NULL DEFAULT 0,
  currency     TEXT NOT NULL DEFAULT '',
  period       TEXT NOT NULL DEFAULT '',
  gmv_usd      REAL,
  units        INTEGER,
  views        INTEGER,
  category     TEXT NOT NULL DEFAULT '',
  region       TEXT NOT NULL DEFAULT '',
  url          TEXT NOT NULL DEFAULT '',
  products     TEXT NOT NULL DEFAULT '',  -- product ids, comma separated
  values_json  TEXT NOT NULL,             -- followers, gmv, units, views as parsed, with raw text
  PRIMARY KEY (snapshot_id, handle)
) WITHOUT ROWID;

CREATE TABLE products (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
  id          TEXT NOT NULL,
  title       TEXT NOT NULL DEFAULT '',
  shop        TEXT NOT NULL DEFAULT '',
  price_low   INTEGER,
  price_high  INTEGER,
  currency    TEXT NOT NULL DEFAULT '',
  units       INTEGER,
  url         TEXT NOT NULL DEFAULT '',
  creators    TEXT NOT NULL DEFAULT '',
  values_json TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, id)
) WITHOUT ROWID;

-- Every value with where and when it was seen, for auditing a report.
CREATE VIEW observed AS
  SELECT p.run_id, p.url, p.fetched_at, p.kind AS page_kind, r.entity, r.key, f.key AS field,
         json_extract(f.value, '$.kind') AS kind, json_extract(f.value, '$.raw') AS raw,
         json_extract(f.value, '$.num') AS num, json_extract(f.value, '$.low') AS low,
         json_extract(f.value, '$.high') AS high, coalesce(json_extract(f.value, '$.estimate'), 0) AS estimate,
         json_extract(f.value, '$.float') AS float, json_extract(f.value, '$.text') AS text,
         coalesce(json_extract(f.value, '$.currency'), '') AS currency, coalesce(json_extract(f.value, '$.period'), '') AS period
  FROM records r JOIN pages p ON p.id = r.page_id, json_each(r.fields) f;

-- The newest snapshot of each source.
CREATE VIEW latest_snapshots AS
  SELECT s.* FROM snapshots s
  WHERE s.id = (SELECT max(id) FROM snapshots t WHERE t.source = s.source);
