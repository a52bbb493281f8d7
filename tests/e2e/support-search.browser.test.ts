/**
 * The support page finds reservations (issue 10) in Chromium against the real engine: the event
 * picked by part of its name, a customer found by email, and Previous/Next through the pages.
 * Screenshots in test-results/.
 */
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('support_search_page', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

test('support picks the event by name, pages through its reservations, and finds a customer by email', async () => {
  const tag = randomUUID().slice(0, 6);
  const [support, alice, bob] = [await engine.register('support'), await engine.register(), await engine.register()];
  const aurora = await engine.createEvent({ name: `Aurora Strings Quartet ${tag}`, sections: [{ name: 'Stalls', kind: 'RESERVED', priceCents: 3000, rows: 3, seatsPerRow: 12 }] });
  const harbour = await engine.createEvent({ name: `Harbour Jazz ${tag}` });
  // 26 of alice's holds, then bob's: 27 reservations of the Aurora, two pages of 25
  for (const seatId of aurora.seatIds.slice(0, 26)) {
    const held = await engine.request('POST', '/api/reservations', { token: alice.token, body: { eventId: aurora.eventId, seatIds: [seatId] } });
    expect(held.status).toBe(201);
  }
  const bobsHold = await engine.request('POST', '/api/reservations', { token: bob.token, body: { eventId: aurora.eventId, seatIds: [aurora.seatIds[26]] } });
  expect(bobsHold.status).toBe(201);
  const bobsBooking = await bookSeats(engine, bob, harbour.eventId, [harbour.seatIds[0]]);

  const context = await signedInContext(browser, support, { name: 'Sam Support', role: 'support' });
  const page = await context.newPage();
  await page.goto(`${engine.url}/support`);

  // the event by part of its name: only the matching one is offered
  await page.getByLabel('Event', { exact: true }).fill(`strings quartet ${tag}`);
  const matches = page.getByTestId('event-matches');
  await matches.getByRole('button', { name: new RegExp(`Aurora Strings Quartet ${tag}`) }).waitFor();
  expect(await matches.getByRole('button').count()).toBe(1);
  expect(await matches.textContent()).not.toContain('Harbour');
  await page.screenshot({ path: `${SCREENSHOTS}/support-search-event-matches.png`, fullPage: true });
  await matches.getByRole('button', { name: new RegExp(`Aurora Strings Quartet ${tag}`) }).click();
  await page.waitForURL(`**/support?eventId=${aurora.eventId}`);
  await page.getByTestId('chosen-event').filter({ hasText: `Aurora Strings Quartet ${tag}` }).waitFor();

  // page 1: the newest 25 (bob's hold first), page 2: the 2 oldest
  const rows = page.locator('tbody tr[data-reservation-id]');
  await page.getByTestId('support-total').filter({ hasText: 'Reservations 1–25 of 27' }).waitFor();
  expect(await rows.count()).toBe(25);
  expect(await rows.first().textContent()).toContain(bob.email);
  const firstPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-reservation-id')));
  await page.screenshot({ path: `${SCREENSHOTS}/support-search-page-1.png`, fullPage: true });

  await page.getByRole('button', { name: /Next/ }).click();
  await page.getByTestId('support-total').filter({ hasText: 'Reservations 26–27 of 27' }).waitFor();
  expect(page.url()).toContain('page=2');
  expect(await rows.count()).toBe(2);
  const secondPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-reservation-id')));
  expect(new Set([...firstPage, ...secondPage]).size).toBe(27);
  expect(await page.getByText('Page 2 of 2').count()).toBe(1);
  expect(await page.getByRole('button', { name: /Next/ }).isDisabled()).toBe(true);
  await page.screenshot({ path: `${SCREENSHOTS}/support-search-page-2.png`, fullPage: true });
  await page.getByRole('button', { name: /Previous/ }).click();
  await page.getByTestId('support-total').filter({ hasText: 'Reservations 1–25 of 27' }).waitFor();

  // a customer by email (typed in capitals): bob's reservation of this event, then all of his, the booking among them
  await page.getByLabel('Customer email').fill(bob.email.toUpperCase());
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByTestId('support-total').filter({ hasText: 'Reservations 1–1 of 1' }).waitFor();
  expect(await rows.count()).toBe(1);
  expect(await rows.first().textContent()).toContain(bob.email);
  await page.getByRole('button', { name: /Any event/ }).click();
  await page.getByTestId('support-total').filter({ hasText: 'Reservations 1–2 of 2' }).waitFor();
  const texts = await rows.allTextContents();
  expect(texts.every((t) => t.includes(bob.email) && !t.includes(alice.email))).toBe(true);
  // the booking, with its reference, can be cancelled and refunded from here
  expect(texts.some((t) => t.includes(`Harbour Jazz ${tag}`) && t.includes('Confirmed') && t.includes(bobsBooking))).toBe(true);
  expect(await page.getByRole('button', { name: 'Cancel & refund' }).count()).toBe(1);
  await page.screenshot({ path: `${SCREENSHOTS}/support-search-by-email.png`, fullPage: true });

  // an address with no reservations: said so, not an error
  await page.getByLabel('Customer email').fill(`nobody-${tag}@example.com`);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText(`No reservations of nobody-${tag}@example.com match these filters`).waitFor();
  await context.close();
}, 120_000);
