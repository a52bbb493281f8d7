import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

/**
 * Roles (issue 10): one role per account, granted and revoked by admins through the API, carried
 * in the access token. Admins do support's work as well.
 */
let engine: TestEngine;
let admin: Awaited<ReturnType<TestEngine['register']>>;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  engine = await startTestEngine('roles', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' });
  admin = await engine.register('admin');
});
afterAll(async () => { await engine?.close(); });

const storedRole = (id: string) => engine.db.pool.one(sql.type(z.object({ role: z.string(), grantedBy: z.string().nullable() }))`
  SELECT role, role_granted_by AS "grantedBy" FROM customers WHERE id = ${id}
`);
const login = async (email: string) => (await engine.request('POST', '/api/auth/login', { body: { email, password: PASSWORD } })).body.token as string;
const roleClaim = (token: string) => (jwt.decode(token) as { role: string }).role;

describe('granting and revoking roles', () => {
  test.each(['organizer', 'support', 'admin'] as const)('an admin grants the %s role: stored with who granted it, and the next login carries it', async (role) => {
    const user = await engine.register();
    const tenantId = role === 'organizer' ? await engine.createTenant() : null;
    const res = await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/${role}`, { token: admin.token, body: tenantId ? { tenantId } : undefined });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: user.customerId, email: user.email, name: 'Test Person', role, tenantId });
    expect(await storedRole(user.customerId)).toEqual({ role, grantedBy: admin.customerId });
    const token = await login(user.email);
    expect(roleClaim(token)).toBe(role);
    expect((await engine.request('GET', '/api/me', { token })).body.customer.role).toBe(role);
  });

  test('granting a role replaces the one the account had (one role per account)', async () => {
    const user = await engine.register('support');
    const tenantId = await engine.createTenant();
    expect((await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/organizer`, { token: admin.token, body: { tenantId } })).status).toBe(200);
    expect((await storedRole(user.customerId)).role).toBe('organizer');
    // and back: another role takes the organizer out of its tenant
    const back = await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/support`, { token: admin.token });
    expect(back.body.user).toEqual(expect.objectContaining({ role: 'support', tenantId: null }));
  });

  test('an organizer belongs to a tenant: the grant needs an existing tenantId, and other roles take none', async () => {
    const user = await engine.register();
    const without = await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/organizer`, { token: admin.token });
    expect(without.status).toBe(400);
    expect(without.body.error.details.issues[0].path).toBe('body.tenantId');
    const unknown = await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/organizer`, { token: admin.token, body: { tenantId: randomUUID() } });
    expect(unknown.status).toBe(404);
    const tenantId = await engine.createTenant();
    const misplaced = await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/support`, { token: admin.token, body: { tenantId } });
    expect(misplaced.status).toBe(400);
    expect((await storedRole(user.customerId)).role).toBe('customer');
  });

  test('admins create tenants (names unique, case-insensitively) and list them', async () => {
    const name = `Acme Events ${randomUUID().slice(0, 6)}`;
    const created = await engine.request('POST', '/api/admin/tenants', { token: admin.token, body: { name } });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toEqual({ id: expect.any(String), name });
    const again = await engine.request('POST', '/api/admin/tenants', { token: admin.token, body: { name: name.toUpperCase() } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NAME_TAKEN');
    const listed = await engine.request('GET', '/api/admin/tenants', { token: admin.token });
    expect(listed.body.items).toContainEqual({ id: created.body.tenant.id, name });
    const organizer = await engine.register('organizer');
    expect((await engine.request('POST', '/api/admin/tenants', { token: organizer.token, body: { name: 'Not mine' } })).status).toBe(403);
  });

  test('revoking the role an account has makes it a customer again; its new tokens lose the role', async () => {
    const user = await engine.register('support');
    const before = await engine.request('GET', '/api/support/reservations', { token: await login(user.email) });
    expect(before.status).toBe(200);
    const res = await engine.request('DELETE', `/api/admin/users/${user.customerId}/roles/support`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('customer');
    expect((await storedRole(user.customerId)).role).toBe('customer');
    const after = await engine.request('GET', '/api/support/reservations', { token: await login(user.email) });
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('FORBIDDEN');
  });

  test('revoking a role the account does not have is a 409 naming the role it has, and changes nothing', async () => {
    const user = await engine.register('organizer');
    const res = await engine.request('DELETE', `/api/admin/users/${user.customerId}/roles/support`, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual(expect.objectContaining({ code: 'INVALID_STATE', details: { role: 'organizer' } }));
    expect((await storedRole(user.customerId)).role).toBe('organizer');
    // and the customer role itself cannot be taken away
    const customer = await engine.register();
    expect((await engine.request('DELETE', `/api/admin/users/${customer.customerId}/roles/customer`, { token: admin.token })).status).toBe(409);
  });

  test('an admin cannot change their own role (no lock-out by the last admin)', async () => {
    for (const [method, path] of [['PUT', `/api/admin/users/${admin.customerId}/roles/customer`], ['DELETE', `/api/admin/users/${admin.customerId}/roles/admin`]]) {
      const res = await engine.request(method, path, { token: admin.token });
      expect({ method, status: res.status, code: res.body.error.code }).toEqual({ method, status: 409, code: 'INVALID_STATE' });
    }
    expect((await storedRole(admin.customerId)).role).toBe('admin');
  });

  test('an unknown role is a 400 naming the parameter; an unknown account a 404', async () => {
    const user = await engine.register();
    const bad = await engine.request('PUT', `/api/admin/users/${user.customerId}/roles/superuser`, { token: admin.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.issues[0].path).toBe('params.role');
    expect((await storedRole(user.customerId)).role).toBe('customer');
    const missing = await engine.request('PUT', `/api/admin/users/${randomUUID()}/roles/support`, { token: admin.token });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  test('nobody but an admin grants roles: support, organizer and customer get 403, and the role stays', async () => {
    const target = await engine.register();
    for (const role of ['customer', 'organizer', 'support'] as const) {
      const caller = await engine.register(role);
      const res = await engine.request('PUT', `/api/admin/users/${target.customerId}/roles/admin`, { token: caller.token });
      expect({ role, status: res.status, code: res.body.error.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
      // not even to themselves
      expect((await engine.request('PUT', `/api/admin/users/${caller.customerId}/roles/admin`, { token: caller.token })).status).toBe(403);
      expect((await storedRole(caller.customerId)).role).toBe(role);
    }
    expect((await storedRole(target.customerId)).role).toBe('customer');
  });
});

describe('admins do support work', () => {
  test("an admin lists, extends and cancels another customer's hold; the cancellation is recorded as admin:<email>", async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const customer = await engine.register();
    const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: [seatIds[0]] } });
    expect(held.status).toBe(201);
    const id: string = held.body.reservation.id;
    const listed = await engine.request('GET', `/api/support/reservations?eventId=${eventId}`, { token: admin.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(id);
    const cancelled = await engine.request('POST', `/api/support/reservations/${id}/cancel`, { token: admin.token, body: { reason: 'customer called' } });
    expect(cancelled.status).toBe(202);
    const ended = await eventually(async () => {
      const r = await engine.db.pool.one(sql.type(z.object({ status: z.string(), cancelledBy: z.string().nullable() }))`
        SELECT status, cancelled_by AS "cancelledBy" FROM reservations WHERE id = ${id}`);
      return r.status === 'CANCELLED' && r;
    }, 15_000, 'the cancellation');
    expect(ended.cancelledBy).toBe(`admin:${admin.email}`);
  });
});

describe('check-in at the door', () => {
  test('admins may check tickets in like support; organizers and customers may not', async () => {
    const { eventId } = await engine.createEvent();
    const code = `T1.${'A'.repeat(64)}`; // of the right form, signed by no one: refused as a code, not as a caller
    const asAdmin = await engine.request('POST', '/api/checkin', { token: admin.token, body: { eventId, code } });
    expect({ status: asAdmin.status, code: asAdmin.body.error.code }).toEqual({ status: 400, code: 'INVALID_CODE' });
    for (const role of ['customer', 'organizer'] as const) {
      const caller = await engine.register(role);
      const res = await engine.request('POST', '/api/checkin', { token: caller.token, body: { eventId, code } });
      expect({ role, status: res.status, code: res.body.error.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  });
});

describe('the role in the access token', () => {
  test('a token whose role claim is not one of the four is refused with 401', async () => {
    const forged = jwt.sign({ email: 'x@example.com', role: 'superuser' }, engine.config.JWT_SECRET, { subject: admin.customerId });
    const res = await engine.request('GET', '/api/me', { token: forged });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });
});
