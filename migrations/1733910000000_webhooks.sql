-- Up Migration
-- Webhooks (issue 11).
--
-- Outbound: an organizer registers endpoints for its tenant; booking events of the tenant's events
-- are delivered to them, signed (Standard Webhooks: src/webhooks/signing.ts), each delivery by its own
-- Temporal workflow (workflows/webhook-delivery.ts) whose activity retries with exponential backoff
-- and logs every attempt here.
--
-- Where the events come from: triggers on the tables whose rows ARE those events, in the transaction
-- that makes them (the way tickets are issued, 1733610000000_tickets.sql), so every path that
-- confirms, refunds or transfers (the current workflow, the frozen first version, support, the
-- reconciler) emits them without a line of workflow, activity or hot-path code, and an event is
-- never emitted for a rolled-back change nor lost by a crash after commit (a transactional outbox
-- of its own: the seat-map outbox is published once and marked, and its relay runs in the gateway).
--   booking.confirmed   booking_seats inserted (the booking's seats, in the confirming transaction)
--   booking.refunded    booking_refunds REQUESTED -> REFUNDED (seats freed, tickets cancelled)
--   ticket.transferred  tickets VALID -> TRANSFERRED (the new ticket is in replaced_by)
-- A tenant without an enabled endpoint for the type costs one index probe, and nothing is written.
-- Events of the platform's own events (tenant_id NULL, e.g. the demo seed) have no tenant to go to.

CREATE TABLE webhook_endpoints (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  url               text NOT NULL CHECK (length(url) BETWEEN 10 AND 2000 AND url ~ '^https?://'),
  description       text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
  event_types       text[] NOT NULL CHECK (cardinality(event_types) >= 1
                      AND event_types <@ ARRAY['booking.confirmed', 'booking.refunded', 'ticket.transferred']),
  enabled           boolean NOT NULL DEFAULT true,
  -- the signing secret, encrypted (AES-256-GCM under WEBHOOK_SECRET_KEY: iv || tag || ciphertext);
  -- HMAC signing needs the secret itself, so a hash would not do; the API shows it once, at creation
  secret_ciphertext bytea NOT NULL,
  created_by        text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 300),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, tenant_id)
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at);

-- What happened, once per event, as its receivers get it (`data` of the body).
CREATE TABLE webhook_events (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type       text NOT NULL CHECK (type IN ('booking.confirmed', 'booking.refunded', 'ticket.transferred')),
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (id, tenant_id)
);

-- One event to one endpoint. The tenant is part of both foreign keys: an endpoint can only ever get
-- its own tenant's events, whatever code writes here.
--   PENDING    waiting for its workflow, or being tried
--   SUCCEEDED  the endpoint answered 2xx
--   FAILED     every attempt failed (WEBHOOK_MAX_ATTEMPTS), or the endpoint was disabled meanwhile
CREATE TABLE webhook_deliveries (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL,
  endpoint_id         uuid NOT NULL,
  event_id            uuid NOT NULL,
  status              text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  -- the dispatcher's lease: the workflow is started when due, and again after a failed start
  start_after         timestamptz NOT NULL DEFAULT now(),
  workflow_started_at timestamptz,
  completed_at        timestamptz,
  last_error          text CHECK (length(last_error) <= 1000),
  created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  FOREIGN KEY (endpoint_id, tenant_id) REFERENCES webhook_endpoints (id, tenant_id) ON DELETE CASCADE,
  FOREIGN KEY (event_id, tenant_id) REFERENCES webhook_events (id, tenant_id) ON DELETE CASCADE,
  UNIQUE (endpoint_id, event_id),
  CHECK ((status = 'PENDING') = (completed_at IS NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (start_after) WHERE workflow_started_at IS NULL;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- The delivery log: every attempt, with what the endpoint answered or why it could not.
CREATE TABLE webhook_delivery_attempts (
  delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt      integer NOT NULL CHECK (attempt >= 1),
  attempted_at timestamptz NOT NULL,
  duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
  status_code  integer CHECK (status_code BETWEEN 100 AND 599),
  error        text CHECK (length(error) <= 1000),
  PRIMARY KEY (delivery_id, attempt),
  CHECK (status_code IS NOT NULL OR error IS NOT NULL)
);

-- Records one event of a tenant and a delivery to each of its enabled endpoints of that type.
CREATE FUNCTION webhook_event(p_tenant uuid, p_type text, p_data jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_event uuid;
BEGIN
  IF p_tenant IS NULL OR NOT EXISTS (
    SELECT 1 FROM webhook_endpoints WHERE tenant_id = p_tenant AND enabled AND p_type = ANY (event_types)
  ) THEN
    RETURN;
  END IF;
  INSERT INTO webhook_events (tenant_id, type, data) VALUES (p_tenant, p_type, p_data) RETURNING id INTO v_event;
  INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id)
  SELECT p_tenant, id, v_event FROM webhook_endpoints WHERE tenant_id = p_tenant AND enabled AND p_type = ANY (event_types);
END;
$$;

CREATE FUNCTION webhook_booking_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN
    RETURN NULL;
  END IF;
  PERFORM webhook_event(e.tenant_id, 'booking.confirmed', jsonb_build_object(
    'bookingId', b.id, 'bookingReference', b.reference, 'reservationId', b.reservation_id,
    'eventId', e.id, 'eventName', e.name, 'eventStartsAt', iso_utc(e.starts_at),
    'amountCents', b.amount_cents, 'seatCount', n.seats, 'confirmedAt', iso_utc(b.created_at)))
  FROM (SELECT booking_id, count(*)::int AS seats FROM new_booking_seats GROUP BY booking_id) n
  JOIN bookings b ON b.id = n.booking_id
  JOIN events e ON e.id = b.event_id
  -- the tenant's endpoints first: no payload is built for a tenant that has none
  WHERE e.tenant_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = e.tenant_id AND w.enabled AND 'booking.confirmed' = ANY (w.event_types));
  RETURN NULL;
END;
$$;
CREATE TRIGGER booking_seats_webhook_confirmed
  AFTER INSERT ON booking_seats
  REFERENCING NEW TABLE AS new_booking_seats
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_booking_confirmed();

CREATE FUNCTION webhook_booking_refunded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_event(e.tenant_id, 'booking.refunded', jsonb_build_object(
    'bookingId', b.id, 'bookingReference', b.reference, 'reservationId', b.reservation_id,
    'eventId', e.id, 'eventName', e.name, 'eventStartsAt', iso_utc(e.starts_at),
    'amountCents', NEW.amount_cents,
    -- who asked, as a role (customer or support), not who they are
    'cancelledBy', split_part(NEW.requested_by, ':', 1), 'reason', NEW.reason,
    'requestedAt', iso_utc(NEW.requested_at), 'refundedAt', iso_utc(NEW.completed_at)))
  FROM bookings b JOIN events e ON e.id = b.event_id
  WHERE b.id = NEW.booking_id AND e.tenant_id IS NOT NULL;
  RETURN NULL;
END;
$$;
CREATE TRIGGER booking_refunds_webhook_refunded
  AFTER UPDATE OF status ON booking_refunds
  FOR EACH ROW WHEN (OLD.status <> 'REFUNDED' AND NEW.status = 'REFUNDED')
  EXECUTE FUNCTION webhook_booking_refunded();

CREATE FUNCTION webhook_ticket_transferred() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_event(e.tenant_id, 'ticket.transferred', jsonb_build_object(
    'ticketId', NEW.id, 'newTicketId', NEW.replaced_by, 'bookingId', b.id, 'bookingReference', b.reference,
    'eventId', e.id, 'eventName', e.name, 'eventStartsAt', iso_utc(e.starts_at),
    'section', sec.name, 'row', s.row_label, 'seatNumber', s.seat_number, 'seatLabel', s.label,
    'transferredAt', iso_utc(NEW.transferred_at)))
  FROM bookings b
  JOIN events e ON e.id = b.event_id
  JOIN seats s ON s.id = NEW.seat_id
  JOIN sections sec ON sec.id = s.section_id
  WHERE b.id = NEW.booking_id AND e.tenant_id IS NOT NULL;
  RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_webhook_transferred
  AFTER UPDATE OF state ON tickets
  FOR EACH ROW WHEN (OLD.state = 'VALID' AND NEW.state = 'TRANSFERRED')
  EXECUTE FUNCTION webhook_ticket_transferred();

-- Inbound: the payment provider's webhook events already accepted (Stripe's event id). A replay
-- of an accepted event, even with a valid signature inside the tolerance, finds its id here.
CREATE TABLE payment_webhook_events (
  provider    text NOT NULL CHECK (provider IN ('stripe')),
  event_id    text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
  type        text NOT NULL CHECK (length(type) BETWEEN 1 AND 255),
  created_at  timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);

-- Down Migration
DROP TABLE payment_webhook_events;
DROP TRIGGER tickets_webhook_transferred ON tickets;
DROP TRIGGER booking_refunds_webhook_refunded ON booking_refunds;
DROP TRIGGER booking_seats_webhook_confirmed ON booking_seats;
DROP FUNCTION webhook_ticket_transferred(), webhook_booking_refunded(), webhook_booking_confirmed(), webhook_event(uuid, text, jsonb);
DROP TABLE webhook_delivery_attempts, webhook_deliveries, webhook_events, webhook_endpoints;
