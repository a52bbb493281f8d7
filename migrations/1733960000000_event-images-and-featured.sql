-- Event images (an https URL the organizer gives; the contract checks the rest) and featured events
-- (admins choose them and their order: the catalog's `featured=true` filter and the events page's strip).
ALTER TABLE events ADD COLUMN image_url text
  CHECK (image_url IS NULL OR (image_url LIKE 'https://%' AND length(image_url) <= 2000));

CREATE TABLE featured_events (
  event_id    uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  position    integer NOT NULL CHECK (position BETWEEN 0 AND 1000),
  featured_by uuid NOT NULL REFERENCES customers (id),
  featured_at timestamptz NOT NULL DEFAULT now()
);
-- the strip's order (position, then the event's date, read with the events)
CREATE INDEX featured_events_position_idx ON featured_events (position, event_id);
