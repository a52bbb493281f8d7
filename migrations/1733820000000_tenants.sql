-- Up Migration
-- Issue 10: tenants (organizations) own venues and events; an organizer belongs to one tenant and
-- manages only its events. Events start as DRAFT (invisible to customers; claim_hold refuses
-- every status but ON_SALE) until their organizer publishes them.
CREATE TABLE tenants (
  id         uuid PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_name_key ON tenants (lower(name));

-- An organizer belongs to exactly one tenant, and nobody else belongs to one. Organizers granted
-- before tenants existed had none: they are customers again until an admin names their tenant.
ALTER TABLE customers ADD COLUMN tenant_id uuid REFERENCES tenants (id);
UPDATE customers SET role = 'customer' WHERE role = 'organizer';
ALTER TABLE customers ADD CONSTRAINT customers_organizer_tenant_check CHECK ((role = 'organizer') = (tenant_id IS NOT NULL));
CREATE INDEX customers_tenant_idx ON customers (tenant_id) WHERE tenant_id IS NOT NULL;

-- Venues and events of a tenant (NULL: the platform's own, e.g. the demo seed). An event of a
-- tenant is at a venue of the same tenant: the pair is a foreign key.
ALTER TABLE venues ADD COLUMN tenant_id uuid REFERENCES tenants (id);
ALTER TABLE venues ADD CONSTRAINT venues_id_tenant_key UNIQUE (id, tenant_id);
CREATE INDEX venues_tenant_idx ON venues (tenant_id) WHERE tenant_id IS NOT NULL;
ALTER TABLE events ADD COLUMN tenant_id uuid REFERENCES tenants (id);
ALTER TABLE events ADD CONSTRAINT events_venue_tenant_fkey FOREIGN KEY (venue_id, tenant_id) REFERENCES venues (id, tenant_id);
-- an organizer's list of its tenant's events, by date
CREATE INDEX events_tenant_starts_idx ON events (tenant_id, starts_at, id) WHERE tenant_id IS NOT NULL;

ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events ADD CONSTRAINT events_status_check CHECK (status IN ('DRAFT', 'ON_SALE', 'CLOSED', 'CANCELLED'));
ALTER TABLE events ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Down Migration
DELETE FROM events WHERE status = 'DRAFT';
ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events ADD CONSTRAINT events_status_check CHECK (status IN ('ON_SALE', 'CLOSED', 'CANCELLED'));
ALTER TABLE events DROP COLUMN updated_at;
ALTER TABLE events DROP CONSTRAINT events_venue_tenant_fkey;
ALTER TABLE events DROP COLUMN tenant_id;
ALTER TABLE venues DROP CONSTRAINT venues_id_tenant_key;
ALTER TABLE venues DROP COLUMN tenant_id;
ALTER TABLE customers DROP CONSTRAINT customers_organizer_tenant_check;
ALTER TABLE customers DROP COLUMN tenant_id;
DROP TABLE tenants;
