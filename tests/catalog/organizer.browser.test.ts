/**
 * The organizer's page in the web client (issue 10), in Chromium against the real engine: the
 * tenant's events (drafts too, never another tenant's), the status filter, and publishing a draft.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { signedInContext, launchChromium, SCREENSHOTS } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';


let engine: TestEngine;
let browser: Browser;
let context: BrowserContext;
let page: Page;
type Account = Awaited<ReturnType<TestEngine['register']>>;
const events: Record<'draft' | 'live' | 'foreign', string> = { draft: '', live: '', foreign: '' };

async function createEvent(organizer: Account, name: string, publish: boolean): Promise<string> {
  const venue = await engine.request('POST', '/api/organizer/venues', { token: organizer.token, body: { name: `${name} Hall` } });
  const res = await engine.request('POST', '/api/organizer/events', { token: organizer.token, body: {
    venueId: venue.body.venue.id, name, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 2, seatsPerRow: 4 }, { name: 'Floor', kind: 'GA', priceCents: 0, capacity: 10 }],
  } });
  expect(res.status).toBe(201);
  if (publish) expect((await engine.request('POST', `/api/organizer/events/${res.body.id}/publish`, { token: organizer.token })).status).toBe(200);
  return res.body.id;
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('organizer_browser', {}, { realtime: true }), launchChromium()]);
  const [mine, other] = [await engine.register('organizer'), await engine.register('organizer')];
  events.draft = await createEvent(mine, 'Harbour Draft Night', false);
  events.live = await createEvent(mine, 'Harbour Live Night', true);
  events.foreign = await createEvent(other, 'Someone Else Night', false);
  context = await signedInContext(browser, mine, { name: 'Olga Organizer', role: 'organizer' });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await engine?.close();
});

const row = (id: string) => page.locator(`tr[data-event-id="${id}"]`);
const statusOf = (id: string) => engine.db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`SELECT status FROM events WHERE id = ${id}`);

test("lists the tenant's events, drafts included, and never another tenant's", async () => {
  await page.goto(`${engine.url}/`);
  await page.getByRole('link', { name: 'My events' }).click();
  await page.getByRole('heading', { name: 'My events' }).waitFor();
  await row(events.live).waitFor();
  expect(await row(events.draft).locator('[data-status]').getAttribute('data-status')).toBe('DRAFT');
  expect(await row(events.live).locator('[data-status]').getAttribute('data-status')).toBe('ON_SALE');
  expect(await row(events.live).textContent()).toContain('0 of 18');
  expect(await row(events.foreign).count()).toBe(0);
  expect(await page.locator('tr[data-event-id]').count()).toBe(2);
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-page.png`, fullPage: true });
});

test('the status filter shows only drafts; publishing one puts it on sale', async () => {
  await page.getByLabel('Status').selectOption('DRAFT');
  await page.waitForURL('**/organizer?status=DRAFT');
  await row(events.live).waitFor({ state: 'detached' });
  expect(await page.locator('tr[data-event-id]').count()).toBe(1);
  await row(events.draft).getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Harbour Draft Night is on sale.').waitFor();
  expect(await statusOf(events.draft)).toBe('ON_SALE');
  // no longer a draft: the filtered list is empty now
  await page.getByText('No events yet').waitFor();
});
