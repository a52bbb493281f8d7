-- Up Migration
-- Issue 10: the catalog's "with places left" filter (src/db/events.ts listEvents) asks, for every
-- event, whether one of its places is AVAILABLE. This partial index answers that with one probe
-- per event (bench/catalog.ts). A claim never adds to it (the claimed row is HELD, outside the
-- predicate); only a place going back on sale does.
CREATE INDEX seats_event_available_idx ON seats (event_id) WHERE state = 'AVAILABLE';

-- Down Migration
DROP INDEX seats_event_available_idx;
