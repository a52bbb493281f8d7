/**
 * The admin page (users and roles, tenants, their app keys) and the audit trails on the support
 * page, in Chromium against the real engine. Screenshots in test-results/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

let engine: TestEngine;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('admin_page', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

const roleOf = (id: string) => engine.db.pool.one(sql.type(z.object({ role: z.string(), tenant: z.string().nullable() }))`
  SELECT c.role, t.name AS tenant FROM customers c LEFT JOIN tenants t ON t.id = c.tenant_id WHERE c.id = ${id}
`);

test('an admin creates a tenant, grants and revokes roles, and creates and revokes an app key shown once', async () => {
  const [admin, person] = [await engine.register('admin'), await engine.register()];
  const context = await signedInContext(browser, admin, { name: 'Ada Admin', role: 'admin' });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${engine.url}/`);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL('**/admin');

  // a tenant
  await page.getByLabel('New tenant').fill('Riverside Arts');
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.locator('.admin__tenants li', { hasText: 'Riverside Arts' }).waitFor();

  // find the person, make them an organizer of the tenant, then revoke it, then grant support
  await page.getByLabel('Email').fill(person.email.toUpperCase());
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByTestId('account-role').filter({ hasText: 'customer' }).waitFor();
  await page.getByLabel('Role', { exact: true }).selectOption('organizer');
  await page.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Riverside Arts' });
  await page.getByRole('button', { name: 'Grant' }).click();
  await page.getByTestId('account-role').filter({ hasText: 'organizer' }).waitFor();
  expect(await roleOf(person.customerId)).toEqual({ role: 'organizer', tenant: 'Riverside Arts' });
  await page.screenshot({ path: `${SCREENSHOTS}/admin-users-roles.png`, fullPage: true });

  await page.getByRole('button', { name: 'Revoke organizer' }).click();
  await page.getByTestId('account-role').filter({ hasText: 'customer' }).waitFor();
  expect(await roleOf(person.customerId)).toEqual({ role: 'customer', tenant: null });
  await page.getByLabel('Role', { exact: true }).selectOption('support');
  await page.getByRole('button', { name: 'Grant' }).click();
  await page.getByTestId('account-role').filter({ hasText: 'support' }).waitFor();
  expect(await roleOf(person.customerId)).toEqual({ role: 'support', tenant: null });

  // the tenant's app keys: create one (shown once), use it, revoke it
  await page.getByRole('button', { name: 'App keys of Riverside Arts' }).click();
  await page.getByLabel('App name').fill('Box office');
  await page.getByLabel(/Allowed origins/).fill('https://tickets.riverside.example');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.getByTestId('new-app-key').textContent())!;
  expect(key).toMatch(/^bk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const row = page.locator('tr', { hasText: 'Box office' });
  await row.getByTestId('app-status').filter({ hasText: 'Live' }).waitFor();
  expect(await row.textContent()).toContain('https://tickets.riverside.example');
  expect(await row.textContent()).not.toContain(key.slice(16));
  expect((await engine.request('GET', '/api/organizer/events', { token: key })).status).toBe(200);
  await page.screenshot({ path: `${SCREENSHOTS}/admin-app-keys.png`, fullPage: true });

  await row.getByRole('button', { name: /Revoke/ }).click();
  await row.getByTestId('app-status').filter({ hasText: 'Revoked' }).waitFor();
  expect(await row.textContent()).toContain(`admin:${admin.email}`);
  expect((await engine.request('GET', '/api/organizer/events', { token: key })).status).toBe(401);
  // after a reload the key is nowhere on the page
  await page.reload();
  await page.getByRole('button', { name: 'App keys of Riverside Arts' }).click();
  await page.locator('tr', { hasText: 'Box office' }).waitFor();
  expect(await page.content()).not.toContain(key.slice(16));
  await page.screenshot({ path: `${SCREENSHOTS}/admin-app-key-revoked.png`, fullPage: true });
  await context.close();
});

test("support sees who cancelled a reservation and why, and an event's audit trail", async () => {
  const { eventId, seatIds } = await engine.createEvent();
  const [buyer, staff] = [await engine.register(), await engine.register('support')];
  const held = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: [seatIds[0]] } });
  expect(held.status).toBe(201);
  const reservationId = held.body.reservation.id as string;
  expect((await engine.request('POST', `/api/support/reservations/${reservationId}/cancel`, { token: staff.token, body: { reason: 'customer phoned: wrong night' } })).status).toBe(202);
  await eventually(async () => (await reservationRow(engine.db.pool, reservationId)).status === 'CANCELLED', 15_000, 'the cancelled hold');
  expect((await engine.request('POST', `/api/support/events/${eventId}/discount-codes`, { token: staff.token, body: { code: 'LATE20', kind: 'PERCENT', value: 20 } })).status).toBe(201);

  const context = await signedInContext(browser, staff, { name: 'Sam Support', role: 'support' });
  const page = await context.newPage();
  await page.goto(`${engine.url}/support?eventId=${eventId}`);
  const row = page.locator(`tr[data-reservation-id="${reservationId}"]`);
  await row.getByTestId('cancelled-by').waitFor();
  expect(await row.getByTestId('cancelled-by').textContent()).toBe(`by support:${staff.email}`);
  await row.getByRole('button', { name: 'History' }).click();
  const history = page.getByTestId('reservation-history');
  await history.locator('tr[data-action="reservation.cancel_requested"]').waitFor();
  const entry = await history.locator('tr[data-action="reservation.cancel_requested"]').textContent();
  expect(entry).toContain(`support:${staff.email}`);
  expect(entry).toContain('Cancelled the hold');
  expect(entry).toContain('customer phoned: wrong night');
  await page.screenshot({ path: `${SCREENSHOTS}/support-reservation-history.png`, fullPage: true });

  await page.getByTestId('event-audit').locator('summary').click();
  const trail = page.getByTestId('event-audit');
  await trail.locator('tr[data-action="discount_code.created"]').waitFor();
  expect(await trail.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))).toEqual(['discount_code.created', 'reservation.cancel_requested']);
  expect(await trail.locator('tr[data-action="discount_code.created"]').textContent()).toContain('LATE20 (20 %)');
  await page.screenshot({ path: `${SCREENSHOTS}/support-event-audit.png`, fullPage: true });
  await context.close();
});

test("an organizer reads an event's history on the organizer page: who created, edited and published it", async () => {
  const tenantId = await engine.createTenant('History Hall Ltd');
  const organizer = await engine.register('organizer', { tenantId });
  const as = (method: string, path: string, body?: unknown) => engine.request(method, path, { token: organizer.token, body });
  const venueId = (await as('POST', '/api/organizer/venues', { name: 'History Hall' })).body.venue.id;
  const draft = await as('POST', '/api/organizer/events', { venueId, name: 'Night of records', startsAt: new Date(Date.now() + 86_400_000).toISOString(), sections: [{ name: 'Floor', kind: 'GA', priceCents: 1500, capacity: 20 }] });
  expect(draft.status).toBe(201);
  expect((await as('PATCH', `/api/organizer/events/${draft.body.id}`, { maxTicketsPerCustomer: 4 })).status).toBe(200);
  expect((await as('POST', `/api/organizer/events/${draft.body.id}/publish`)).status).toBe(200);

  const context = await signedInContext(browser, organizer, { name: 'Olga Organizer', role: 'organizer', tenantId });
  const page = await context.newPage();
  await page.goto(`${engine.url}/organizer`);
  const row = page.locator(`tr[data-event-id="${draft.body.id}"]`);
  await row.getByRole('button', { name: 'History' }).click();
  const history = page.getByTestId('audit-list');
  await history.locator('tr[data-action="event.created"]').waitFor();
  expect(await history.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))).toEqual(['event.published', 'event.edited', 'event.created']);
  expect(await history.locator('tr[data-action="event.edited"]').textContent()).toContain('maxTicketsPerCustomer');
  expect(await history.locator('tr[data-action="event.published"]').textContent()).toContain(`organizer:${organizer.email}`);
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-event-history.png`, fullPage: true });
  await context.close();
});

test("an organizer registers an app key on the API keys page, sees when it was last used, and revokes it (desktop and phone)", async () => {
  const tenantId = await engine.createTenant('Keyholders Ltd');
  const organizer = await engine.register('organizer', { tenantId });
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const phone = viewport.width < 600;
    const context = await signedInContext(browser, organizer, { name: 'Kim Keys', role: 'organizer', tenantId }, viewport);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${engine.url}/organizer`);
    if (phone) await page.goto(`${engine.url}/organizer/apps`);
    else await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();

    const appName = phone ? 'Phone shop' : 'Website';
    await page.getByLabel('App name').fill(appName);
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-app-key').textContent())!;
    expect(key).toMatch(/^bk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const row = page.locator('tr', { hasText: appName });
    expect(await row.getByTestId('app-last-used').textContent()).toBe('never');

    // the key is used by the app; the page shows that use after a reload, and never the key again
    expect((await engine.request('GET', '/api/organizer/events', { token: key })).status).toBe(200);
    await page.reload();
    await row.getByTestId('app-status').filter({ hasText: 'Live' }).waitFor();
    const lastUsed = (await row.getByTestId('app-last-used').textContent())!;
    expect(lastUsed).not.toBe('never');
    expect(await page.content()).not.toContain(key.slice(16));
    await page.screenshot({ path: `${SCREENSHOTS}/organizer-api-keys${phone ? '-phone' : ''}.png`, fullPage: true });
    if (phone) {
      // on a phone each app is a card: nothing scrolls sideways, the page or the table
      expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await page.locator('.table-wrap').evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth)).toBeLessThanOrEqual(0);
    }

    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByTestId('app-status').filter({ hasText: 'Revoked' }).waitFor();
    expect(await row.textContent()).toContain(`organizer:${organizer.email}`);
    expect((await engine.request('GET', '/api/organizer/events', { token: key })).status).toBe(401);
    await context.close();
  }
  // both apps are the tenant's, recorded in its audit trail as the organizer's
  const apps = await engine.request('GET', '/api/organizer/apps', { token: organizer.token });
  expect((apps.body.items as Array<{ name: string; revokedAt: string | null }>).map((a) => [a.name, a.revokedAt !== null]).sort()).toEqual([['Phone shop', true], ['Website', true]]);
});
