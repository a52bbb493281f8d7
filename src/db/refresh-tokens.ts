import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { Account } from '../contract/accounts.ts';
import { sql } from './sql.ts';

/**
 * Refresh tokens with rotation (migrations/1733810000000_refresh-tokens.sql). The token itself
 * (32 random bytes, base64url) is never stored: only its SHA-256, so a copy of the table renews
 * nothing. A login starts a family; a refresh spends the token it is given for a new one of the
 * same family; a spent token presented again revokes the family.
 */

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export interface IssuedRefreshToken {
  refreshToken: string;
  familyId: string;
}

/** A new token: of a new family (a login), or of `familyId` (a rotation). */
export async function issueRefreshToken(
  db: CommonQueryMethods,
  input: { customerId: string; ttlSeconds: number; familyId?: string },
): Promise<IssuedRefreshToken> {
  const refreshToken = randomBytes(32).toString('base64url');
  const familyId = input.familyId ?? randomUUID();
  await db.query(sql.typeAlias('void')`
    INSERT INTO refresh_tokens (id, family_id, customer_id, token_hash, expires_at)
    VALUES (${randomUUID()}, ${familyId}, ${input.customerId}, decode(${hashOf(refreshToken)}, 'hex'), now() + make_interval(secs => ${input.ttlSeconds}))
  `);
  return { refreshToken, familyId };
}

/** Why a refresh token renews nothing. */
export type RefreshRefusal = 'UNKNOWN' | 'EXPIRED' | 'REVOKED' | 'REUSED';
export type RotateOutcome =
  | { outcome: 'ROTATED'; refreshToken: string; account: Account }
  | { outcome: RefreshRefusal };

const presented = z.object({
  id: z.string(),
  familyId: z.string(),
  customerId: z.string(),
  expired: z.boolean(),
  rotated: z.boolean(),
  revoked: z.boolean(),
});

/**
 * Spends a refresh token for a new one of its family, and answers with the account as it is now
 * (its role may have changed since the login). Every refusal is returned, not thrown: the
 * revocation of a family after a reuse must commit. The row is locked, so of two refreshes with
 * the same token one rotates and the other is a reuse.
 */
export async function rotateRefreshToken(pool: DatabasePool, token: string, ttlSeconds: number): Promise<RotateOutcome> {
  return pool.transaction(async (tx) => {
    const row = await tx.maybeOne(sql.type(presented)`
      SELECT id, family_id AS "familyId", customer_id AS "customerId", expires_at <= now() AS expired,
             rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked
      FROM refresh_tokens WHERE token_hash = decode(${hashOf(token)}, 'hex')
      FOR UPDATE
    `);
    if (!row) return { outcome: 'UNKNOWN' };
    if (row.revoked) return { outcome: 'REVOKED' };
    if (row.rotated) {
      await revokeFamily(tx, row.familyId, 'REUSE');
      return { outcome: 'REUSED' };
    }
    if (row.expired) return { outcome: 'EXPIRED' };
    const account = await tx.one(sql.type(Account)`
      WITH spent AS (UPDATE refresh_tokens SET rotated_at = now() WHERE id = ${row.id})
      SELECT id, email, name, role, tenant_id AS "tenantId" FROM customers WHERE id = ${row.customerId}
    `);
    const next = await issueRefreshToken(tx, { customerId: row.customerId, ttlSeconds, familyId: row.familyId });
    // the family's spent tokens past their own expiry prove nothing any more: presented again they
    // are unknown, and renew nothing either way (keeps a long-lived login's chain short)
    await tx.query(sql.typeAlias('void')`
      DELETE FROM refresh_tokens WHERE family_id = ${row.familyId} AND rotated_at IS NOT NULL AND expires_at < now()
    `);
    return { outcome: 'ROTATED', refreshToken: next.refreshToken, account };
  });
}

async function revokeFamily(db: CommonQueryMethods, familyId: string, reason: 'LOGOUT' | 'REUSE'): Promise<number> {
  const revoked = await db.query(sql.typeAlias('void')`
    UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = ${reason} WHERE family_id = ${familyId} AND revoked_at IS NULL
  `);
  return revoked.rowCount;
}

/** Logout: revokes the family of the token (every token of that login), in one statement. Answers how many tokens it revoked. */
export async function revokeRefreshFamily(db: CommonQueryMethods, token: string): Promise<number> {
  const revoked = await db.query(sql.typeAlias('void')`
    UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'LOGOUT'
    WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = decode(${hashOf(token)}, 'hex')) AND revoked_at IS NULL
  `);
  return revoked.rowCount;
}
