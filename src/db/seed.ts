import { hash } from '@node-rs/argon2';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import { createTenant, listTenants } from './catalog.ts';
import { createCustomer, findCustomerByEmail, setRole } from './customers.ts';
import { createEvent, type EventSpec } from './events.ts';
import { sql } from './sql.ts';

/** Demo accounts, created by `npm start` in development only (never in production). */
export const DEMO_ACCOUNTS = [
  { email: 'demo@example.com', password: 'demo-password', name: 'Demo Customer', role: 'customer' },
  { email: 'support@example.com', password: 'support-password', name: 'Support Desk', role: 'support' },
  { email: 'admin@example.com', password: 'admin-password', name: 'Demo Admin', role: 'admin' },
  { email: 'organizer@example.com', password: 'organizer-password', name: 'Demo Organizer', role: 'organizer' },
] as const;

const inDays = (days: number, hour = 20) => {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  date.setUTCHours(hour, 0, 0, 0);
  return date;
};

/** The flagship demo event: 240 reserved seats at three prices, a free balcony and a GA floor; 8 tickets per customer. */
export const DEMO_EVENT: EventSpec = {
  venueName: 'Harbour Hall',
  name: 'The Midnight Orchestra — Live',
  description: 'An evening of film scores under the harbour lights. Reserved stalls, a free balcony for students, and a standing floor.',
  startsAt: inDays(30),
  maxTicketsPerCustomer: 8,
  sections: [
    { name: 'Stalls', kind: 'RESERVED', priceCents: 6500, rows: 8, seatsPerRow: 16 },
    { name: 'Circle', kind: 'RESERVED', priceCents: 4500, rows: 5, seatsPerRow: 14 },
    { name: 'Balcony', kind: 'RESERVED', priceCents: 0, rows: 3, seatsPerRow: 14 },
    { name: 'Floor', kind: 'GA', priceCents: 2500, capacity: 150 },
  ],
};

const MORE_EVENTS: EventSpec[] = [
  ['Jazz at the Pier', 'Pier 9', 3, 3500],
  ['Open-Air Cinema: Classics Night', 'Riverside Park', 10, 0],
  ['Chamber Music Sundays', 'St. Mary Hall', 17, 2000],
  ['Indie Showcase', 'The Warehouse', 24, 1800],
  ['Comedy Late', 'Basement Club', 40, 2200],
  ['Symphony No. 9', 'Harbour Hall', 60, 7500],
  ['Poetry & Strings', 'Library Atrium', 75, 0],
].map(([name, venueName, days, priceCents]) => ({
  venueName: venueName as string,
  name: name as string,
  description: `${name} at ${venueName}.`,
  startsAt: inDays(days as number, 19),
  sections: [
    { name: 'Seats', kind: 'RESERVED' as const, priceCents: priceCents as number, rows: 4, seatsPerRow: 10 },
    { name: 'Standing', kind: 'GA' as const, priceCents: Math.round((priceCents as number) / 2), capacity: 60 },
  ],
}));

/** The demo organizer's tenant. */
export const DEMO_TENANT = 'Demo Productions';

/** Seeds the demo once: does nothing when events exist already. */
export async function seedDemo(pool: DatabasePool, log: Logger): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    if (await findCustomerByEmail(pool, account.email)) continue;
    // an organizer belongs to a tenant: created as a customer, then made the demo tenant's organizer
    const created = await createCustomer(pool, { email: account.email, name: account.name, role: account.role === 'organizer' ? 'customer' : account.role, passwordHash: await hash(account.password) });
    if (created && account.role === 'organizer') {
      const tenant = (await createTenant(pool, DEMO_TENANT)) ?? (await listTenants(pool)).find((t) => t.name === DEMO_TENANT)!;
      await setRole(pool, { customerId: created.id, role: 'organizer', tenantId: tenant.id, grantedBy: created.id });
    }
  }
  const events = await pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*) FROM events`);
  if (events > 0) return;
  const { eventId } = await createEvent(pool, DEMO_EVENT);
  for (const spec of MORE_EVENTS) await createEvent(pool, spec);
  log.info({ eventId }, `seeded the demo: "${DEMO_EVENT.name}" and ${MORE_EVENTS.length} more events`);
}
