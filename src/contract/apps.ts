import { z } from 'zod';
import { text } from '../api/schemas.ts';

/**
 * Tenants' client apps as they cross a boundary: PostgreSQL rows (src/db/apps.ts), the API
 * (admin routes under /api/admin/tenants/:tenantId/apps, organizer routes under /api/organizer/apps)
 * and the web client's admin page (types only).
 *
 * An app's key is sent as `Authorization: Bearer bk_<12 hex>_<43 base64url>`. The `bk_` prefix tells
 * it from an access token (a JWT starts with `eyJ`); the 12 hex characters find the app's row and
 * name the key in lists; the rest is 32 random bytes. Only SHA-256 of the whole key is stored.
 */
export const APP_KEY_PATTERN = /^(bk_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
export const isAppKey = (token: string) => token.startsWith('bk_');

/** A browser origin as the Origin header carries it: scheme, host and port, nothing else. */
export const Origin = z.string().max(200).refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}, { message: 'an origin is scheme://host[:port], without a path or a trailing slash (e.g. https://tickets.example.com)' });

export const NewApp = z.object({
  name: text({ min: 1, max: 100 }),
  allowedOrigins: z.array(Origin).max(20).default([])
    .meta({ description: 'Browser origins that may use the key (CORS); none: servers only (requests without an Origin header)' }),
}).strict();
export type NewApp = z.infer<typeof NewApp>;

export const TenantApp = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  keyPrefix: z.string().meta({ description: 'The start of the key (bk_ and 12 hex characters): names the key, is no secret' }),
  allowedOrigins: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  revokedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable().meta({ description: 'When a request last carried the key (to the minute: recorded at most once a minute); null: never' }),
});
export type TenantApp = z.infer<typeof TenantApp>;

/** The answer to creating an app: the key, shown this once (only its hash is kept). */
export const CreatedApp = z.object({
  app: TenantApp,
  key: z.string().meta({ description: 'The API key, shown only in this answer: send it as Authorization: Bearer <key>' }),
});
export type CreatedApp = z.infer<typeof CreatedApp>;

export const AppParams = z.object({ appId: z.string().uuid() });
export const TenantParams = z.object({ tenantId: z.string().uuid() });
export const TenantAppParams = TenantParams.extend(AppParams.shape);
