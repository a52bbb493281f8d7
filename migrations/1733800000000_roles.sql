-- Up Migration
-- Issue 10: four roles. One role per account (customers.role): customer, organizer (manages the
-- events of its tenant), support (anyone's holds, check-in), admin (support's work, and grants
-- and revokes roles). The role travels in the access token, so authenticate() needs no query.
ALTER TABLE customers DROP CONSTRAINT customers_role_check;
ALTER TABLE customers ADD CONSTRAINT customers_role_check CHECK (role IN ('customer', 'organizer', 'support', 'admin'));

-- Who granted an account its role, and when (NULL: never changed since registration).
ALTER TABLE customers ADD COLUMN role_granted_by uuid REFERENCES customers (id) ON DELETE SET NULL;
ALTER TABLE customers ADD COLUMN role_granted_at timestamptz;

-- Down Migration
ALTER TABLE customers DROP COLUMN role_granted_at, DROP COLUMN role_granted_by;
UPDATE customers SET role = 'customer' WHERE role NOT IN ('customer', 'support');
ALTER TABLE customers DROP CONSTRAINT customers_role_check;
ALTER TABLE customers ADD CONSTRAINT customers_role_check CHECK (role IN ('customer', 'support'));
