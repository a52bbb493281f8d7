-- Up Migration
-- When each tenant app's key was last used (issue 10), shown to admins and the tenant's organizers
-- so they can tell a key in use from one safe to revoke. Written at most once a minute per app
-- (src/db/apps.ts appOfKey), so a busy app costs one small write a minute, not one per request.
ALTER TABLE tenant_apps ADD COLUMN last_used_at timestamptz;

-- Down Migration
ALTER TABLE tenant_apps DROP COLUMN last_used_at;
