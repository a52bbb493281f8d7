import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { APP_KEY_PATTERN, type CreatedApp, type NewApp, TenantApp } from '../contract/apps.ts';
import { type Actor, recordAudit } from './audit.ts';
import { isoTimestamp, sql } from './sql.ts';

/**
 * Tenants' client apps and their API keys (migrations/1733920000000).
 *
 * A key is `bk_<12 hex>_<32 random bytes, base64url>`, shown once; the row keeps its prefix (to
 * find it, and to name it in lists) and SHA-256 of the whole key. A fast hash is right here, and
 * a password hash (argon2) is not: argon2 makes guessing a *low-entropy* secret expensive, but a
 * 256-bit random key cannot be guessed at any hash speed, so the slow hash would buy nothing and
 * cost tens of milliseconds of CPU and memory on every API request made with a key (a lever for
 * anyone who wants to exhaust the API). A stolen table of hashes still gives no usable key.
 */

const appRow = TenantApp.extend({ createdAt: isoTimestamp, revokedAt: isoTimestamp.nullable(), lastUsedAt: isoTimestamp.nullable() });
const appColumns = sql.fragment`
  id, tenant_id AS "tenantId", name, key_prefix AS "keyPrefix", allowed_origins AS "allowedOrigins",
  created_by AS "createdBy", created_at AS "createdAt", revoked_by AS "revokedBy", revoked_at AS "revokedAt",
  last_used_at AS "lastUsedAt"`;

/** How stale an app's last use may get before a request with its key records it again. */
const LAST_USE_RESOLUTION_SECONDS = 60;

const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** A new app of the tenant with a new key; null when there is no such tenant. The audit entry commits with it. */
export async function createApp(pool: DatabasePool, tenantId: string, input: NewApp, actor: Actor): Promise<CreatedApp | null> {
  const prefix = `bk_${randomBytes(6).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return pool.transaction(async (tx) => {
    const app = await tx.maybeOne(sql.type(appRow)`
      INSERT INTO tenant_apps (id, tenant_id, name, key_prefix, key_hash, allowed_origins, created_by)
      SELECT ${randomUUID()}, t.id, ${input.name}, ${prefix}, ${sql.binary(sha256(key))}, ${sql.array(input.allowedOrigins, 'text')}, ${actor.label}
      FROM tenants t WHERE t.id = ${tenantId}
      RETURNING ${appColumns}
    `);
    if (!app) return null;
    await recordAudit(tx, actor, { action: 'app.created', tenantId, subjectId: app.id, details: { name: app.name, keyPrefix: prefix, allowedOrigins: app.allowedOrigins } });
    return { app, key };
  });
}

/** The tenant's apps, newest first, revoked ones too. */
export async function listApps(db: CommonQueryMethods, tenantId: string): Promise<TenantApp[]> {
  return [...(await db.any(sql.type(appRow)`SELECT ${appColumns} FROM tenant_apps WHERE tenant_id = ${tenantId} ORDER BY created_at DESC, id`))];
}

/**
 * Revokes the tenant's app (its key stops working at once). Revoking a revoked app answers it as
 * it is and records nothing; null when the tenant has no such app.
 */
export async function revokeApp(pool: DatabasePool, tenantId: string, appId: string, actor: Actor): Promise<TenantApp | null> {
  return pool.transaction(async (tx) => {
    const revoked = await tx.maybeOne(sql.type(appRow)`
      UPDATE tenant_apps SET revoked_at = now(), revoked_by = ${actor.label}
      WHERE id = ${appId} AND tenant_id = ${tenantId} AND revoked_at IS NULL
      RETURNING ${appColumns}
    `);
    if (!revoked) return tx.maybeOne(sql.type(appRow)`SELECT ${appColumns} FROM tenant_apps WHERE id = ${appId} AND tenant_id = ${tenantId}`);
    await recordAudit(tx, actor, { action: 'app.revoked', tenantId, subjectId: appId, details: { name: revoked.name, keyPrefix: revoked.keyPrefix } });
    return revoked;
  });
}

/**
 * The live app a key belongs to; null for a malformed, unknown, wrong or revoked key. A right key
 * records the app's last use, when the one recorded is older than a minute (a wrong key records nothing).
 */
export async function appOfKey(db: CommonQueryMethods, key: string) {
  const prefix = APP_KEY_PATTERN.exec(key)?.[1];
  if (!prefix) return null;
  const row = await db.maybeOne(sql.type(z.object({
    id: z.string(), tenantId: z.string(), name: z.string(), keyPrefix: z.string(), allowedOrigins: z.array(z.string()), keyHash: z.instanceof(Buffer), stale: z.boolean(),
  }))`
    SELECT id, tenant_id AS "tenantId", name, key_prefix AS "keyPrefix", allowed_origins AS "allowedOrigins", key_hash AS "keyHash",
           COALESCE(last_used_at < now() - make_interval(secs => ${LAST_USE_RESOLUTION_SECONDS}), true) AS stale
    FROM tenant_apps WHERE key_prefix = ${prefix} AND revoked_at IS NULL
  `);
  if (!row || !timingSafeEqual(row.keyHash, sha256(key))) return null;
  const { keyHash: _hash, stale, ...app } = row;
  if (stale) await db.query(sql.typeAlias('void')`UPDATE tenant_apps SET last_used_at = now() WHERE id = ${app.id}`);
  return app;
}
export type AppPrincipal = NonNullable<Awaited<ReturnType<typeof appOfKey>>>;

/** Whether any live app lists the origin (a CORS preflight carries no key to say which app it is for). */
export async function anyAppAllowsOrigin(db: CommonQueryMethods, origin: string): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ allowed: z.boolean() }))`
    SELECT EXISTS (SELECT 1 FROM tenant_apps WHERE revoked_at IS NULL AND allowed_origins @> ARRAY[${origin}]::text[]) AS allowed
  `);
}
