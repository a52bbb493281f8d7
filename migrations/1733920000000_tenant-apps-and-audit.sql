-- Up Migration
-- Issue 10: tenants' client apps (API keys scoped to one tenant) and the audit trail.

-- A client app of a tenant. Its key is `bk_<prefix>_<secret>`: the prefix (12 hex characters)
-- finds the row and names the key in lists, the secret is 32 random bytes; only SHA-256 of the
-- whole key is stored. Revoked apps stay (the audit trail names them); their keys stop working.
CREATE TABLE tenant_apps (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants (id),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  key_prefix      text NOT NULL UNIQUE CHECK (key_prefix ~ '^bk_[0-9a-f]{12}$'),
  key_hash        bytea NOT NULL CHECK (octet_length(key_hash) = 32),
  allowed_origins text[] NOT NULL DEFAULT '{}' CHECK (cardinality(allowed_origins) <= 20),
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_by      text,
  revoked_at      timestamptz,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX tenant_apps_tenant_idx ON tenant_apps (tenant_id, created_at);
-- a CORS preflight asks whether any live app allows its origin
CREATE INDEX tenant_apps_origins_idx ON tenant_apps USING gin (allowed_origins) WHERE revoked_at IS NULL;

-- Who did what to which event, reservation, booking, account or app. Append-only: rows are only
-- inserted (a trigger refuses UPDATE, DELETE and TRUNCATE). The subjects carry no foreign keys on
-- purpose: a deleted draft event keeps the entry that says who deleted it.
CREATE TABLE audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  actor_kind     text NOT NULL CHECK (actor_kind IN ('customer', 'organizer', 'support', 'admin', 'app')),
  actor_id       uuid NOT NULL,
  actor          text NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
  action         text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  tenant_id      uuid,
  event_id       uuid,
  reservation_id uuid,
  booking_id     uuid,
  subject_id     uuid,
  reason         text CHECK (length(reason) <= 1000),
  details        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX audit_log_event_idx ON audit_log (event_id, id) WHERE event_id IS NOT NULL;
CREATE INDEX audit_log_reservation_idx ON audit_log (reservation_id, id) WHERE reservation_id IS NOT NULL;
CREATE INDEX audit_log_booking_idx ON audit_log (booking_id, id) WHERE booking_id IS NOT NULL;
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, id) WHERE subject_id IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Down Migration
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE tenant_apps;
