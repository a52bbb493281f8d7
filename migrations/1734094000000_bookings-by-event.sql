-- Up Migration
-- An event's bookings by time (issue 11): the event's sales figures (src/db/stats.ts) read its
-- CONFIRMED bookings and the last 30 days of them hour by hour; without this index each read
-- scanned every booking of every event.
CREATE INDEX bookings_event_created_idx ON bookings (event_id, created_at);

-- Down Migration
DROP INDEX bookings_event_created_idx;
