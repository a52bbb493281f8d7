/**
 * The support staff's waitlist page in Chromium against the real engine: from the support page of an
 * event, each section's line in order, with each customer's email, when they joined, their state and
 * their offer (the hold's state and deadline); entries that left the line on request. Screenshots in
 * test-results/ (desktop, and a 390x844 phone).
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';

let engine: TestEngine;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([
    startTestEngine('orgstats_waitlist_page', { RATE_LIMIT_HOLDS_PER_MINUTE: '0', WAITLIST_OFFER_SECONDS: '300' }, { realtime: true }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

type Caller = Awaited<ReturnType<TestEngine['register']>>;
const join = async (who: Caller, eventId: string, sectionId: string, quantity: number) =>
  expect((await engine.request('POST', `/api/events/${eventId}/sections/${sectionId}/waitlist`, { token: who.token, body: { quantity } })).status).toBe(201);

test("support sees each section's line: place, customer, joined at, state, and the offer with its deadline", async () => {
  const { eventId, sectionIds, seatIds } = await engine.createEvent({
    name: 'Lines night',
    sections: [
      { name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 1, seatsPerRow: 2 },
      { name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 1 },
    ],
  });
  const [stalls, floor] = sectionIds;
  const [buyer, ada, bo, cy, di] = await Promise.all([1, 2, 3, 4, 5].map(() => engine.register()));
  const staff = await engine.register('support');
  // everything is held; four customers line up, one of them leaves
  const stallsHold = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds } });
  expect(stallsHold.status).toBe(201);
  expect((await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, sectionId: floor, quantity: 1 } })).status).toBe(201);
  await join(ada, eventId, stalls, 2);
  await join(bo, eventId, stalls, 1);
  await join(cy, eventId, stalls, 1);
  await join(di, eventId, floor, 1);
  expect((await engine.request('DELETE', `/api/events/${eventId}/sections/${stalls}/waitlist`, { token: cy.token })).status).toBe(200);
  // the stalls come free: they are offered to the first in line
  expect((await engine.request('POST', `/api/reservations/${stallsHold.body.reservation.id}/cancel`, { token: buyer.token, body: {} })).status).toBe(202);
  const offer = await eventually(async () => {
    const [entry] = (await engine.request('GET', '/api/waitlist', { token: ada.token })).body.items;
    return entry?.status === 'OFFERED' ? entry.offer : undefined;
  }, 15_000, "the stalls offered to the first in line");

  for (const [viewport, name] of [[{ width: 1280, height: 900 }, 'desktop'], [{ width: 390, height: 844 }, 'phone']] as const) {
    const context = await signedInContext(browser, staff, { name: 'Sam Support', role: 'support' }, viewport);
    try {
      const page = await context.newPage();
      await page.goto(`${engine.url}/support?eventId=${eventId}`);
      await page.getByTestId('event-waitlist-link').click();
      await page.waitForURL(`**/support/events/${eventId}/waitlist`);
      await page.getByRole('heading', { name: 'Waitlist · Lines night' }).waitFor();

      const sections = page.getByTestId('waitlist-section');
      expect(await sections.locator('h2').allTextContents()).toEqual(['Stalls', 'Floor']);
      const line = (section: number) => sections.nth(section).getByTestId('waitlist-row');
      // the stalls: the offer, then the next in line (the one who left is not in the line)
      expect(await line(0).getByTestId('waitlist-email').allTextContents()).toEqual([ada.email, bo.email]);
      expect(await line(0).getByTestId('waitlist-position').allTextContents()).toEqual(['–', '1']);
      expect(await line(0).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))).toEqual(['OFFERED', 'WAITING']);
      const offered = await line(0).first().getByTestId('waitlist-offer').textContent();
      expect(offered).toContain(`${offer.seatLabels.join(', ')} · held for them`);
      expect(offered).toContain('expires');
      expect(await line(0).first().getByTestId('waitlist-offer').locator('time').getAttribute('datetime')).toBe(offer.holdExpiresAt);
      expect(await line(0).first().textContent()).toContain('2 seats · joined');
      expect(await line(1).getByTestId('waitlist-email').allTextContents()).toEqual([di.email]);
      expect(await line(1).getByTestId('waitlist-position').allTextContents()).toEqual(['1']);

      // on request, with the entries that left the line
      await page.getByTestId('show-closed').check();
      expect(await line(0).getByTestId('waitlist-email').allTextContents()).toEqual([ada.email, bo.email, cy.email]);
      expect(await line(0).last().getAttribute('data-status')).toBe('LEFT');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      // every column in view, the offer too: nothing behind a sideways scroll of the table either
      const offerBox = await line(0).first().getByTestId('waitlist-offer').boundingBox();
      expect(offerBox!.x + offerBox!.width).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: `${SCREENSHOTS}/support-waitlist-${name}.png`, fullPage: true });
    } finally {
      await context.close();
    }
  }
  // a customer may not read the lines
  expect((await engine.request('GET', `/api/support/events/${eventId}/waitlist`, { token: ada.token })).status).toBe(403);
});
