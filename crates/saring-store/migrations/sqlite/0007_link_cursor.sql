-- Same column as migrations/postgres/0007_link_cursor.sql, for one schema on both backends.
-- SQLite has one writer, so row ids are already in commit order and the linker follows
-- `id`; `txid` stays NULL here.
ALTER TABLE events ADD COLUMN txid INTEGER;
