-- gmvscope store, schema version 11.
-- A snapshot's standings are written many creators to a row: a blob of
-- up to 512 creators' handles (front-coded) and packed numbers, in handle
-- order (market.AppendChunk). A whole market's 600,000 were as many rows
-- of the standings table, a tenth of the time it took to write the
-- snapshot; they are now about 1,200 rows, read back in one pass. Same
-- meaning as before: the numbers a report's analysis reads, not meant to
-- be queried (query the creators table). Snapshots written before keep
-- theirs in the standings table (version 10) or where they were.
CREATE TABLE standing_chunks (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
  seq         INTEGER NOT NULL,  -- the chunk's place: its handles follow the chunk before's
  packed      BLOB NOT NULL,
  PRIMARY KEY (snapshot_id, seq)
) WITHOUT ROWID;
