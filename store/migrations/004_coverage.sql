-- gmvscope store, schema version 4: what listing pages say about their
-- listing, so a run's coverage (pages never reached) is computed from the
-- store; and which snapshots have their report written, so a report lost
-- to a crash is written by the next run.
ALTER TABLE pages ADD COLUMN listing_total INTEGER; -- rows in the whole listing, as the page shows it
ALTER TABLE pages ADD COLUMN listing_pages INTEGER; -- pages in the listing
ALTER TABLE pages ADD COLUMN listing_page  INTEGER; -- this page's number
ALTER TABLE pages ADD COLUMN listing_last  INTEGER; -- the number of this page's last row
ALTER TABLE pages ADD COLUMN records INTEGER NOT NULL DEFAULT 0; -- records read from the page
UPDATE pages SET records = (SELECT count(*) FROM records r WHERE r.page_id = pages.id);

ALTER TABLE snapshots ADD COLUMN reported_at TEXT;  -- when its report was last written; NULL: never
UPDATE snapshots SET reported_at = taken_at;        -- stores from before this kept no record: assume written
