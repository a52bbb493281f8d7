import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

/**
 * Sessions (issue 10): short-lived access tokens (2 s here) renewed by refresh tokens that are
 * stored hashed, rotated on every use, and whose reuse revokes the whole login (the family).
 */
let engine: TestEngine;
const PASSWORD = 'correct horse battery';
const ACCESS_TTL = 2;

beforeAll(async () => {
  engine = await startTestEngine('sessions', { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL) });
});
afterAll(async () => { await engine?.close(); });

const login = async (email: string) => {
  const res = await engine.request('POST', '/api/auth/login', { body: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  return res.body as { token: string; refreshToken: string; expiresIn: number; customer: { id: string; role: string } };
};
const refresh = (refreshToken: string) => engine.request('POST', '/api/auth/refresh', { body: { refreshToken } });
const logout = (refreshToken: string) => engine.request('POST', '/api/auth/logout', { body: { refreshToken } });
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

const row = z.object({ familyId: z.string(), hash: z.string(), rotated: z.boolean(), revokedReason: z.string().nullable() });
const stored = (refreshToken: string) => engine.db.pool.maybeOne(sql.type(row)`
  SELECT family_id AS "familyId", encode(token_hash, 'hex') AS hash, rotated_at IS NOT NULL AS rotated, revoked_reason AS "revokedReason"
  FROM refresh_tokens WHERE token_hash = decode(${sha256(refreshToken)}, 'hex')
`);
const family = (familyId: string) => engine.db.pool.any(sql.type(z.object({ revokedReason: z.string().nullable() }))`
  SELECT revoked_reason AS "revokedReason" FROM refresh_tokens WHERE family_id = ${familyId} ORDER BY created_at
`);

describe('rotation', () => {
  test('a refresh spends the refresh token for a new pair of the same family; only hashes are stored', async () => {
    const { email } = await engine.register();
    const first = await login(email);
    expect(first.expiresIn).toBe(ACCESS_TTL);
    const res = await refresh(first.refreshToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.refreshToken).not.toBe(first.refreshToken);
    expect((await engine.request('GET', '/api/me', { token: res.body.token })).body.customer.email).toBe(email);

    const spent = await stored(first.refreshToken);
    const next = await stored(res.body.refreshToken);
    expect(spent).toEqual(expect.objectContaining({ rotated: true, revokedReason: null }));
    expect(next).toEqual(expect.objectContaining({ familyId: spent!.familyId, rotated: false, revokedReason: null }));
    // the table holds no token in the clear
    const plain = await engine.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE ${`%${first.refreshToken}%`} OR encode(token_hash, 'hex') = ${first.refreshToken}
    `);
    expect(plain).toBe(0);
  });

  test('a refresh reads the account anew: a role granted since the login is in the new access token', async () => {
    const user = await engine.register();
    const admin = await engine.register('admin');
    const session = await login(user.email);
    expect((await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/support`, { token: admin.token })).status).toBe(200);
    expect((jwt.decode(session.token) as { role: string }).role).toBe('customer');
    const res = await refresh(session.refreshToken);
    expect(res.body.customer.role).toBe('support');
    expect((jwt.decode(res.body.token) as { role: string }).role).toBe('support');
  });

  test("a rotation deletes the family's spent tokens that are past their expiry, and keeps the others", async () => {
    const { email } = await engine.register();
    const first = await login(email);
    const second = (await refresh(first.refreshToken)).body.refreshToken as string;
    const third = (await refresh(second)).body.refreshToken as string;
    // the first spent token has expired since; the second has not
    await engine.db.pool.query(sql.typeAlias('void')`
      UPDATE refresh_tokens SET created_at = now() - interval '31 days', expires_at = now() - interval '1 second'
      WHERE token_hash = decode(${sha256(first.refreshToken)}, 'hex')
    `);
    const { familyId } = (await stored(second))!;
    expect((await refresh(third)).status).toBe(200);
    expect(await stored(first.refreshToken)).toBeNull();
    expect(await stored(second)).toEqual(expect.objectContaining({ rotated: true }));
    expect(await family(familyId)).toHaveLength(3);
  });
});

describe('reuse', () => {
  test('presenting a spent refresh token revokes its whole family: the token it was exchanged for stops working too', async () => {
    const { email } = await engine.register();
    const first = await login(email);
    const other = await login(email); // another login (another device) of the same account
    const second = (await refresh(first.refreshToken)).body.refreshToken as string;

    const replay = await refresh(first.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toEqual(expect.objectContaining({ code: 'UNAUTHENTICATED', details: { reason: 'REUSED' } }));
    const { familyId } = (await stored(first.refreshToken))!;
    expect(await family(familyId)).toEqual([{ revokedReason: 'REUSE' }, { revokedReason: 'REUSE' }]);

    const after = await refresh(second);
    expect(after.status).toBe(401);
    expect(after.body.error.details.reason).toBe('REVOKED');
    // the other login is untouched
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  test('two refreshes racing with one token: one rotates, the other is a reuse, and the family ends revoked', async () => {
    const { email } = await engine.register();
    const session = await login(email);
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)!.body.error.details.reason).toBe('REUSED');
    const winner = results.find((r) => r.status === 200)!.body.refreshToken as string;
    expect((await refresh(winner)).body.error.details.reason).toBe('REVOKED');
  });
});

describe('logout', () => {
  test('revokes the family of the token; another login of the same account keeps working', async () => {
    const { email } = await engine.register();
    const session = await login(email);
    const other = await login(email);
    const rotated = (await refresh(session.refreshToken)).body.refreshToken as string;
    const res = await logout(rotated);
    expect(res.status).toBe(204);
    expect((await stored(rotated))!.revokedReason).toBe('LOGOUT');
    const again = await refresh(rotated);
    expect(again.status).toBe(401);
    expect(again.body.error.details.reason).toBe('REVOKED');
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  test('an unknown token is a 204 that revokes nothing; a malformed body is a 400', async () => {
    const before = await engine.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NOT NULL`);
    expect((await logout('not-a-token-of-ours-at-all-but-well-formed')).status).toBe(204);
    const after = await engine.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NOT NULL`);
    expect(after).toBe(before);
    const bad = await engine.request('POST', '/api/auth/logout', { body: { refreshToken: 42 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('body.refreshToken');
  });
});

describe('expiry', () => {
  test('an access token expires after ACCESS_TOKEN_TTL_SECONDS; its refresh token gets a working one', async () => {
    const { email } = await engine.register();
    const session = await login(email);
    expect((await engine.request('GET', '/api/me', { token: session.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, (ACCESS_TTL + 1) * 1000));
    const expired = await engine.request('GET', '/api/me', { token: session.token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('UNAUTHENTICATED');
    const renewed = await refresh(session.refreshToken);
    expect(renewed.status).toBe(200);
    expect((await engine.request('GET', '/api/me', { token: renewed.body.token })).status).toBe(200);
  });

  test('a refresh token past its expiry is refused (401 EXPIRED) and renews nothing', async () => {
    const { email } = await engine.register();
    const session = await login(email);
    await engine.db.pool.query(sql.typeAlias('void')`
      UPDATE refresh_tokens SET created_at = now() - interval '31 days', expires_at = now() - interval '1 second'
      WHERE token_hash = decode(${sha256(session.refreshToken)}, 'hex')
    `);
    const res = await refresh(session.refreshToken);
    expect(res.status).toBe(401);
    expect(res.body.error.details.reason).toBe('EXPIRED');
    expect((await stored(session.refreshToken))!.rotated).toBe(false);
    const { familyId } = (await stored(session.refreshToken))!;
    expect(await family(familyId)).toHaveLength(1);
  });

  test('a refresh token of a deleted account is unknown', async () => {
    const user = await engine.register();
    const session = await login(user.email);
    await engine.db.pool.query(sql.typeAlias('void')`DELETE FROM customers WHERE id = ${user.customerId}`);
    const res = await refresh(session.refreshToken);
    expect(res.status).toBe(401);
    expect(res.body.error.details.reason).toBe('UNKNOWN');
  });
});
