-- gmvscope store, schema version 10.
-- Each creator's packed standing is written into a table of its own
-- instead of creators.standing: a report reads a whole market's standings
-- (600,000 handles and 59-byte blobs, 110 MB) without reading every
-- creator's row (620 MB). Same meaning as before: the numbers a report's
-- analysis reads, packed when the snapshot is written, not meant to be
-- queried. Snapshots written before keep theirs in creators.standing
-- (version 9) or have none (their values_json is read): moving them would
-- rewrite every creator row of a long history in one transaction.
CREATE TABLE standings (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
  handle      TEXT NOT NULL,
  packed      BLOB NOT NULL,
  PRIMARY KEY (snapshot_id, handle)
) WITHOUT ROWID;
