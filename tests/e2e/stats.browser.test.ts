/**
 * The statistics page of an event, for support, in Chromium against the real engine: the
 * figures, the occupancy bars, the chart and its table. Screenshot in test-results/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { TEST_CARDS } from '../../src/payments/simulated.ts';
import { launchChromium, SCREENSHOTS } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

declare const localStorage: { setItem(key: string, value: string): void };

let engine: TestEngine;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('stats_page'), launchChromium()]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

test('support sees tickets sold, revenue, occupancy by section and the sale hour by hour, with a chart', async () => {
  const { eventId, sectionIds, seatIds } = await engine.createEvent();
  const [buyer, staff] = [await engine.register(), await engine.register('support')];
  const held = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds: seatIds.slice(0, 2) } });
  expect((await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: buyer.token, body: { card: { number: TEST_CARDS.success } } })).status).toBe(200);
  expect((await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, sectionId: sectionIds[1], quantity: 4 } })).status).toBe(201);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((session: { token: string; customer: unknown }) => {
    localStorage.setItem('token', session.token);
    localStorage.setItem('customer', JSON.stringify(session.customer));
  }, { token: staff.token, customer: { id: staff.customerId, email: staff.email, name: 'Sam Support', role: 'support' } });
  const page = await context.newPage();
  await page.goto(`${engine.url}/support?eventId=${eventId}`);
  await page.getByTestId('event-stats-link').click();
  await page.waitForURL(`**/support/events/${eventId}/stats`);

  await page.getByTestId('tickets-sold').waitFor();
  expect(await page.getByTestId('tickets-sold').textContent()).toBe('2 of 55');
  expect(await page.getByTestId('revenue').textContent()).toBe('€100.00');
  expect(await page.getByTestId('outcome-CONFIRMED').textContent()).toBe('1');
  expect(await page.getByTestId('outcome-HELD').textContent()).toBe('1');
  const bars = await page.getByTestId('section-occupancy').allTextContents();
  expect(bars).toEqual(['Stalls2 sold · 0 held · 18 free', 'Floor0 sold · 4 held · 26 free', 'Balcony0 sold · 0 held · 5 free']);
  // the chart draws on a canvas, and the table says the same in text
  expect(await page.getByTestId('sales-chart').locator('canvas').count()).toBeGreaterThan(0);
  const rows = await page.getByTestId('timeline').locator('tbody tr').allTextContents();
  expect(rows.length).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: `${SCREENSHOTS}/support-event-stats.png`, fullPage: true });
  await context.close();
});
