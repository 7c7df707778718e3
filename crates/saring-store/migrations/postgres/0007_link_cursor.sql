-- The linker follows committed events in a stable order that no late commit can jump: each
-- event records the id of the transaction that inserted it (`txid`, a 64-bit xid8 that never
-- wraps), and the linker reads only events whose transaction is older than the oldest one
-- still running (`pg_snapshot_xmin(pg_current_snapshot())`), ordered by (txid, id). Identity
-- ids alone are not enough: with several writers an id is taken before its transaction
-- commits, so id 100 can become visible after id 101 (see docs/networks.md).
ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL
    DEFAULT CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT);
CREATE INDEX events_by_txid ON events (txid, id);
