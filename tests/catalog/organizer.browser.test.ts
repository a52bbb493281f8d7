/**
 * The organizer's page in the web client (issue 10), in Chromium against the real engine: the
 * tenant's events (drafts too, never another tenant's), the status filter, and publishing a draft.
 */
import type { Page } from 'playwright-core';
import { createOrganizerEvent, SCREENSHOTS, startOrganizerBrowser, type OrganizerBrowser } from '../helpers/browser.ts';

let organizer: OrganizerBrowser;
let page: Page;
const events: Record<'draft' | 'live' | 'foreign', string> = { draft: '', live: '', foreign: '' };
const SECTIONS = [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 2, seatsPerRow: 4 }, { name: 'Floor', kind: 'GA', priceCents: 0, capacity: 10 }];

beforeAll(async () => {
  organizer = await startOrganizerBrowser('organizer_browser');
  const { engine } = organizer;
  page = organizer.page;
  const other = await engine.register('organizer');
  events.draft = (await createOrganizerEvent(engine, organizer.organizer, 'Harbour Draft Night', { sections: SECTIONS, publish: false })).id;
  events.live = (await createOrganizerEvent(engine, organizer.organizer, 'Harbour Live Night', { sections: SECTIONS })).id;
  events.foreign = (await createOrganizerEvent(engine, other, 'Someone Else Night', { sections: SECTIONS, publish: false })).id;
});
afterAll(async () => { await organizer?.close(); });

const row = (id: string) => organizer.eventRow(id);
const statusOf = (id: string) => organizer.eventStatus(id);

test("lists the tenant's events, drafts included, and never another tenant's", async () => {
  await page.goto(`${organizer.engine.url}/`);
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
