-- gmvscope store, schema version 8.
-- A run's pages by kind and outcome (each URL's last attempt), with the
-- first and last fetch, counted when its snapshot is written: a report
-- reads them here instead of scanning every page (a whole-market run's
-- million pages and their bodies). NULL: counted when read.
ALTER TABLE snapshots ADD COLUMN pages TEXT; -- JSON: {"stats": [{"Kind", "Outcome", "Pages", "Bytes"}], "first", "last"}
