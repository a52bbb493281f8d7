/**
 * The waitlist in the web client, on a 390-pixel phone (Chromium against the real engine and the
 * built client): a customer joins the waitlist of a sold-out section from the event page and sees
 * their place; when the seats come back they are offered to them, with the live deadline on "My
 * tickets" and a way to buy them.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
let browser: Browser;
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([
    startTestEngine('waitlist_e2e', { RATE_LIMIT_HOLDS_PER_MINUTE: '0', WAITLIST_OFFER_SECONDS: '300' }, { realtime: true }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

test('on a phone, a customer joins the waitlist of a sold-out section, sees their place, and is offered the seats when they come back', async () => {
  const event = await engine.createEvent({
    name: 'Waitlist night',
    sections: [
      { name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 1, seatsPerRow: 2 },
      { name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 5 },
    ],
  });
  const stalls = event.seatIds;
  const [buyer, customer] = [await engine.register(), await engine.register()];
  const held = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId: event.eventId, seatIds: stalls } });
  expect(held.status).toBe(201);

  const context = await signedInContext(browser, customer, { name: 'Wendy Waiting', role: 'customer' }, PHONE);
  try {
    const page = await context.newPage();
    await page.goto(`${engine.url}/events/${event.eventId}`);
    const panel = page.getByTestId('waitlist-panel');
    await panel.waitFor();
    // only the sold-out section is offered a waitlist; the floor still has places
    const sections = panel.getByTestId('waitlist-section');
    expect(await sections.count()).toBe(1);
    expect(await sections.first().getAttribute('data-section')).toBe('Stalls');
    await page.getByLabel('Seats wanted in Stalls').selectOption('2');
    await panel.getByRole('button', { name: 'Join the waitlist' }).click();
    await panel.getByTestId('waitlist-state').filter({ hasText: 'you are number 1 in line' }).waitFor();
    await panel.getByRole('button', { name: 'Leave the waitlist' }).waitFor();
    // the panel fits the phone: nothing behind a sideways scroll
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SCREENSHOTS}/waitlist-joined-phone.png`, fullPage: false });
    const [entry] = (await engine.request('GET', '/api/waitlist', { token: customer.token })).body.items;
    expect(entry).toMatchObject({ status: 'WAITING', position: 1, quantity: 2, sectionName: 'Stalls' });

    // the hold ends: the seats are offered to the customer, pushed live to the page
    expect((await engine.request('POST', `/api/reservations/${held.body.reservation.id}/cancel`, { token: buyer.token, body: {} })).status).toBe(202);
    await panel.getByRole('link', { name: 'Buy the offered seats' }).waitFor({ timeout: 15_000 });

    await page.goto(`${engine.url}/my-tickets`);
    const offer = page.getByTestId('waitlist-offer');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('then offered to the next in line');
    const countdown = offer.getByTestId('countdown');
    expect(await countdown.textContent()).toMatch(/^0?[45]:\d\d$/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SCREENSHOTS}/waitlist-offer-phone.png`, fullPage: true });

    await page.getByTestId('waitlist-entry').getByRole('link', { name: 'Buy the offered seats' }).click();
    const [offered] = (await engine.request('GET', '/api/waitlist', { token: customer.token })).body.items;
    await page.waitForURL(`**/checkout/${offered.offer.reservationId}`);
    expect(offered.offer.seatLabels).toHaveLength(2);
  } finally {
    await context.close();
  }
}, 150_000);
