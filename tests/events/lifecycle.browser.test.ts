/**
 * The organizer's page and the event lifecycle (issue 10), in Chromium against the real engine:
 * each event's status and sale window as its workflow keeps them, and cancelling an event with a
 * booking behind a confirmation, which refunds it. Screenshots in test-results/.
 */
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { createOrganizerEvent, SCREENSHOTS, startOrganizerBrowser, type OrganizerBrowser } from '../helpers/browser.ts';
import { bookSeats, type TestEngine } from '../helpers/engine.ts';

let organizer: OrganizerBrowser;
let engine: TestEngine;
let page: Page;
const events = { live: '', upcoming: '' };
let reference = '';

beforeAll(async () => {
  organizer = await startOrganizerBrowser('lifecycle_browser');
  ({ engine, page } = organizer);
  const live = await createOrganizerEvent(engine, organizer.organizer, 'Quay Live Night');
  events.live = live.id;
  events.upcoming = (await createOrganizerEvent(engine, organizer.organizer, 'Quay Next Season', { fields: { salesStartAt: new Date(Date.now() + 3 * 86_400_000).toISOString() } })).id;
  reference = await bookSeats(engine, await engine.register(), live.id, [live.seats[0].id]);
}, 60_000);
afterAll(async () => { await organizer?.close(); });

const row = (id: string) => organizer.eventRow(id);
const statusOf = (id: string) => organizer.eventStatus(id);

test('shows each event\'s lifecycle status and sale window', async () => {
  await page.goto(`${engine.url}/organizer`);
  await row(events.live).waitFor();
  expect(await row(events.live).locator('[data-status]').getAttribute('data-status')).toBe('ON_SALE');
  expect(await row(events.upcoming).locator('[data-status]').getAttribute('data-status')).toBe('UPCOMING');
  expect(await row(events.upcoming).getByTestId('sale-window').textContent()).toMatch(/^opens .+, until the start$/);
  expect(await row(events.live).getByTestId('sale-window').textContent()).toBe('open, until the start');
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-lifecycle.png`, fullPage: true });
});

test('cancelling asks first (keeping it changes nothing), then refunds the booking and shows the event CANCELLED', async () => {
  await row(events.live).getByRole('button', { name: 'Cancel event' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel Quay Live Night?' });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('Every confirmed booking is refunded in full');
  expect(await dialog.textContent()).toContain('1 of 4 seats are sold or held now.');
  await dialog.getByRole('button', { name: 'Keep event' }).click();
  await dialog.waitFor({ state: 'detached' });
  expect(await statusOf(events.live)).toBe('ON_SALE');

  await row(events.live).getByRole('button', { name: 'Cancel event' }).click();
  await dialog.getByLabel('Reason (told with the refunds)').fill('The venue flooded');
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-cancel-confirm.png`, fullPage: true });
  await dialog.getByRole('button', { name: 'Cancel event and refund' }).click();
  await page.getByText('Quay Live Night is cancelled: 1 booking refunded, 0 holds cancelled.').waitFor({ timeout: 20_000 });
  await row(events.live).locator('[data-status="CANCELLED"]').waitFor();
  expect(await row(events.live).getByRole('button', { name: 'Cancel event' }).count()).toBe(0);
  expect(await statusOf(events.live)).toBe('CANCELLED');
  const refund = await engine.db.pool.one(sql.type(z.object({ status: z.string(), reason: z.string() }))`
    SELECT f.status, f.reason FROM booking_refunds f JOIN bookings b ON b.id = f.booking_id WHERE b.reference = ${reference}
  `);
  expect(refund).toEqual({ status: 'REFUNDED', reason: 'event cancelled: The venue flooded' });
  await page.screenshot({ path: `${SCREENSHOTS}/organizer-cancelled.png`, fullPage: true });
}, 40_000);
