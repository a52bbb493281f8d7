-- Up Migration
-- Issue 10: the event lifecycle, driven by one Temporal workflow per event (workflows/event-lifecycle.ts):
--   DRAFT ─publish─► UPCOMING ─sale start─► ON_SALE ⇄ SOLD_OUT ─sale end─► CLOSED ─event date─► COMPLETED
--   (and CANCELLED from anything before COMPLETED)
-- `status` stays the one truth that claim_hold reads (it sells ON_SALE only): the workflow's activity
-- writes it with compare-and-set updates, the workflow mirrors it in its search attribute.
ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events ADD CONSTRAINT events_status_check
  CHECK (status IN ('DRAFT', 'UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED', 'COMPLETED', 'CANCELLED'));

-- The sale window: NULL start = on publishing, NULL end = until the event starts.
ALTER TABLE events ADD COLUMN sales_start_at timestamptz;
ALTER TABLE events ADD COLUMN sales_end_at timestamptz;
ALTER TABLE events ADD CONSTRAINT events_sale_window_check
  CHECK ((sales_start_at IS NULL OR sales_end_at IS NULL OR sales_start_at < sales_end_at)
     AND (sales_end_at IS NULL OR sales_end_at <= starts_at)
     AND (sales_start_at IS NULL OR sales_start_at < starts_at));

-- Events whose sales were closed by hand keep them closed: their sale ended when they were closed
-- (at the latest now), so their workflow does not reopen them.
UPDATE events SET sales_end_at = LEAST(now(), starts_at) WHERE status = 'CLOSED';

-- When the event's workflow was started; NULL for a published event means the worker role starts it
-- (events published before this migration, seeded events, a crash between publish and start).
ALTER TABLE events ADD COLUMN lifecycle_started_at timestamptz;
CREATE INDEX events_lifecycle_unstarted_idx ON events (id)
  WHERE lifecycle_started_at IS NULL AND status IN ('UPCOMING', 'ON_SALE', 'SOLD_OUT', 'CLOSED');

-- Who cancelled an event and why (its bookings' refunds name it too).
ALTER TABLE events ADD COLUMN cancelled_at timestamptz;
ALTER TABLE events ADD COLUMN cancelled_by text;
ALTER TABLE events ADD COLUMN cancel_reason text;

-- Venues' reusable section templates: an event created on a venue without sections copies them.
CREATE TABLE venue_section_templates (
  id             uuid PRIMARY KEY,
  venue_id       uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
  sort_order     int NOT NULL CHECK (sort_order >= 0),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind           text NOT NULL CHECK (kind IN ('RESERVED', 'GA')),
  price_cents    int NOT NULL CHECK (price_cents >= 0),
  rows           int CHECK (rows > 0),
  seats_per_row  int CHECK (seats_per_row > 0),
  numbering      text CHECK (numbering IN ('CONSECUTIVE', 'ODD', 'EVEN')),
  capacity       int CHECK (capacity > 0),
  CHECK ((kind = 'RESERVED') = (rows IS NOT NULL AND seats_per_row IS NOT NULL AND numbering IS NOT NULL)),
  CHECK ((kind = 'GA') = (capacity IS NOT NULL))
);
CREATE UNIQUE INDEX venue_section_templates_name_key ON venue_section_templates (venue_id, lower(name));
CREATE UNIQUE INDEX venue_section_templates_order_key ON venue_section_templates (venue_id, sort_order);

-- Down Migration
DROP TABLE venue_section_templates;
ALTER TABLE events DROP COLUMN cancel_reason;
ALTER TABLE events DROP COLUMN cancelled_by;
ALTER TABLE events DROP COLUMN cancelled_at;
DROP INDEX events_lifecycle_unstarted_idx;
ALTER TABLE events DROP COLUMN lifecycle_started_at;
ALTER TABLE events DROP CONSTRAINT events_sale_window_check;
ALTER TABLE events DROP COLUMN sales_end_at;
ALTER TABLE events DROP COLUMN sales_start_at;
UPDATE events SET status = 'ON_SALE' WHERE status IN ('UPCOMING', 'SOLD_OUT');
UPDATE events SET status = 'CLOSED' WHERE status = 'COMPLETED';
ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events ADD CONSTRAINT events_status_check CHECK (status IN ('DRAFT', 'ON_SALE', 'CLOSED', 'CANCELLED'));
