-- Up Migration
-- Issue 10: catalog search. `q` matches an event's name, description and venue name as a
-- substring, case-insensitively (ILIKE '%q%'). A trigram GIN index answers that without reading
-- every event: it indexes events.search_text, the three texts in one column, kept by a trigger
-- (a generated column cannot read the venue's name). Patterns shorter than three characters still
-- work, by a scan. The other filters use B-tree indexes: start (events_starts_at_idx), venue.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE events ADD COLUMN search_text text NOT NULL DEFAULT '';

CREATE FUNCTION events_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := NEW.name || E'\n' || NEW.description || E'\n' || COALESCE((SELECT name FROM venues WHERE id = NEW.venue_id), '');
  RETURN NEW;
END
$$;
CREATE TRIGGER events_search_text BEFORE INSERT OR UPDATE OF name, description, venue_id ON events
  FOR EACH ROW EXECUTE FUNCTION events_search_text();

-- a venue's new name reaches its events' search text
CREATE FUNCTION venues_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE events SET venue_id = venue_id WHERE venue_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER venues_search_text AFTER UPDATE OF name ON venues
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION venues_search_text();

UPDATE events SET venue_id = venue_id;

CREATE INDEX events_search_trgm_idx ON events USING gin (search_text gin_trgm_ops);
CREATE INDEX events_venue_starts_idx ON events (venue_id, starts_at);

-- Down Migration
DROP INDEX events_venue_starts_idx;
DROP INDEX events_search_trgm_idx;
DROP TRIGGER venues_search_text ON venues;
DROP FUNCTION venues_search_text();
DROP TRIGGER events_search_text ON events;
DROP FUNCTION events_search_text();
ALTER TABLE events DROP COLUMN search_text;
