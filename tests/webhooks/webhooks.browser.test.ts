/**
 * The organizer's Webhooks page in Chromium against the real engine and a real receiver: adding an
 * endpoint shows its secret once, a booking's delivery appears in the log with every attempt (the
 * receiver fails twice, then takes it), and disabling works from the page; at desktop and phone size.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { bookSeats, eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let receiver: Server;
let receiverUrl: string;
let organizer: Awaited<ReturnType<TestEngine['register']>>;
const received: string[] = [];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // fails the first two tries of each event, then answers 200
  const tries = new Map<string, number>();
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      received.push(id);
      res.writeHead(n <= 2 ? 503 : 200).end(n <= 2 ? 'warming up' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  [engine, browser] = await Promise.all([
    startTestEngine('webhooks_browser', { RATE_LIMIT_HOLDS_PER_MINUTE: '0', WEBHOOK_RETRY_INITIAL_MS: '300', WEBHOOK_RETRY_MAX_MS: '1000' }, { realtime: true }),
    launchChromium(),
  ]);
  organizer = await engine.register('organizer');
  context = await signedInContext(browser, organizer, { name: 'Olga Organizer', role: 'organizer' });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await engine?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** A published event of the organizer's tenant; its id and seats. */
async function tenantEvent(): Promise<{ eventId: string; seatIds: string[] }> {
  const as = (method: string, path: string, body?: unknown) => engine.request(method, path, { token: organizer.token, body });
  const venue = await as('POST', '/api/organizer/venues', { name: `Quay ${randomUUID().slice(0, 6)}` });
  const draft = await as('POST', '/api/organizer/events', {
    venueId: venue.body.venue.id, name: 'Quay Sessions', startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 3000, rows: 1, seatsPerRow: 6 }],
  });
  expect((await as('POST', `/api/organizer/events/${draft.body.id}/publish`)).status).toBe(200);
  const event = await engine.request('GET', `/api/events/${draft.body.id}`);
  return { eventId: draft.body.id, seatIds: (event.body.seats as Array<{ id: string }>).map((s) => s.id) };
}
const enabledOf = (id: string) => engine.db.pool.oneFirst(sql.type(z.object({ enabled: z.boolean() }))`SELECT enabled FROM webhook_endpoints WHERE id = ${id}`);

test('an organizer adds an endpoint, sees its secret once, and reads a delivery that took three attempts', async () => {
  const { eventId, seatIds } = await tenantEvent();
  await page.goto(`${engine.url}/`);
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByText('No endpoints yet').waitFor();

  // a URL the server refuses: the page says why, and nothing is added
  await page.getByLabel('URL').fill('https://10.0.0.5/hook');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByText('The endpoint was not added.').waitFor();
  expect(await page.getByRole('alert').first().textContent()).toMatch(/public host/);

  await page.getByLabel('URL').fill(`${receiverUrl}/booking-events`);
  await page.getByLabel('Description (optional)').fill('Our CRM');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = (await page.getByTestId('webhook-secret').locator('code').textContent())!;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const [endpoint] = (await engine.request('GET', '/api/organizer/webhooks', { token: organizer.token })).body.items as Array<{ id: string; url: string }>;
  expect(endpoint.url).toBe(`${receiverUrl}/booking-events`);
  const row = page.locator(`tr[data-endpoint-id="${endpoint.id}"]`);
  await row.waitFor();
  expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('ENABLED');
  expect(await row.textContent()).toContain('Our CRM');

  // a booking of the tenant's event: the receiver refuses twice, then takes it
  const reference = await bookSeats(engine, await engine.register(), eventId, seatIds.slice(0, 2));
  await eventually(async () => received.length >= 3, 30_000, 'three tries at the receiver');
  await eventually(async () => {
    const [delivery] = (await engine.request('GET', `/api/organizer/webhooks/${endpoint.id}/deliveries`, { token: organizer.token })).body.items;
    return delivery?.status === 'SUCCEEDED';
  }, 30_000, 'the delivery to succeed');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  expect(await page.getByTestId('webhook-secret').count()).toBe(0);
  await row.getByRole('button', { name: 'Deliveries' }).click();
  const delivery = page.locator('tr[data-delivery-id]');
  await delivery.waitFor();
  expect(await delivery.locator('[data-status]').getAttribute('data-status')).toBe('SUCCEEDED');
  expect(await delivery.locator('li[data-attempt]').evaluateAll((items) => items.map((li) => li.getAttribute('data-status-code')))).toEqual(['503', '503', '200']);
  expect(await delivery.textContent()).toContain('HTTP 503: warming up');
  expect(await delivery.textContent()).toContain('Booking confirmed');
  expect(reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-webhooks.png`, fullPage: true });

  // the secret is not shown again after a reload
  await page.reload();
  await row.waitFor();
  expect(await page.content()).not.toContain(secret);

  // disable from the page
  await row.getByRole('button', { name: 'Disable' }).click();
  await eventually(async () => (await row.locator('[data-status]').getAttribute('data-status')) === 'DISABLED', 5_000, 'the badge to read Disabled');
  expect(await enabledOf(endpoint.id)).toBe(false);
}, 120_000);

test('the page fits a 390-pixel phone without a sideways scroll of the page', async () => {
  const phone = await signedInContext(browser, organizer, { name: 'Olga Organizer', role: 'organizer' }, { width: 390, height: 844 });
  try {
    const small = await phone.newPage();
    await small.goto(`${engine.url}/organizer/webhooks`);
    await small.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await small.locator('tr[data-endpoint-id]').first().waitFor();
    await small.getByRole('button', { name: 'Deliveries' }).first().click();
    await small.locator('tr[data-delivery-id]').first().waitFor();
    await small.screenshot({ path: `${SCREENSHOTS}/organizer-webhooks-phone.png`, fullPage: true });
    // nothing pushes the page sideways (a wide table scrolls inside its own box, the header's links in theirs)
    const wider = await small.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > 391 && !el.closest('.table-wrap, .nav'))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`).slice(0, 5));
    expect(wider).toEqual([]);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // the same holds on the organizer's events page (its hidden table captions widened it before)
    await small.goto(`${engine.url}/organizer`);
    await small.getByRole('heading', { name: 'My events', level: 1 }).waitFor();
    await small.locator('tr[data-event-id]').first().waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  } finally {
    await phone.close();
  }
}, 60_000);
