-- gmvscope store, schema version 9.
-- Each creator's standing, the numbers a report's analysis reads (followers,
-- GMV in USD, views, rank, GMV by channel, and which of them exist), packed
-- when the snapshot is written: a report reads a whole market's without
-- decoding every creator's values_json. It repeats values_json's numbers
-- and is not meant to be queried (query followers, gmv_usd, views and rank).
-- NULL for creators written before: read from values_json.
ALTER TABLE creators ADD COLUMN standing BLOB;
