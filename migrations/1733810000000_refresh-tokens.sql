-- Up Migration
-- Issue 10: short-lived access tokens (JWT, the role in them) renewed by refresh tokens. A refresh
-- token is 32 random bytes, stored only as its SHA-256 hash. Every login starts a family; each
-- refresh rotates the presented token (rotated_at) for a new one of the same family. Presenting a
-- rotated token again means it was copied: the whole family is revoked (REUSE), the thief's and
-- the owner's tokens alike. Logout revokes the family too (LOGOUT).
CREATE TABLE refresh_tokens (
  id             uuid PRIMARY KEY,
  family_id      uuid NOT NULL,
  customer_id    uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  expires_at     timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  rotated_at     timestamptz,
  revoked_at     timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('LOGOUT', 'REUSE')),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
  CHECK (expires_at > created_at)
);
-- revoking a family; the live tokens of one account
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_customer_idx ON refresh_tokens (customer_id) WHERE revoked_at IS NULL;

-- Down Migration
DROP TABLE refresh_tokens;
