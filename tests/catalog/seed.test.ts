import { pino } from 'pino';
import { z } from 'zod';
import { DEMO_ACCOUNTS, DEMO_TENANT, seedDemo } from '../../src/db/seed.ts';
import { sql } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** The development seed: one demo account per role, the organizer in the demo tenant; twice is once. */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('seed'); });
afterAll(async () => { await db?.drop(); });

test('seeds an account of every role, the organizer belonging to the demo tenant, and seeding again changes nothing', async () => {
  const log = pino({ level: 'silent' });
  await seedDemo(db.pool, log);
  await seedDemo(db.pool, log);
  const accounts = await db.pool.any(sql.type(z.object({ email: z.string(), role: z.string(), tenant: z.string().nullable() }))`
    SELECT c.email, c.role, t.name AS tenant FROM customers c LEFT JOIN tenants t ON t.id = c.tenant_id ORDER BY c.email
  `);
  expect(accounts).toEqual(DEMO_ACCOUNTS.map((a) => ({ email: a.email, role: a.role, tenant: a.role === 'organizer' ? DEMO_TENANT : null }))
    .sort((a, b) => a.email.localeCompare(b.email)));
  expect(new Set(accounts.map((a) => a.role))).toEqual(new Set(['customer', 'organizer', 'support', 'admin']));
});
