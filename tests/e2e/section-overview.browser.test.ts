/**
 * The seat map of a large venue opens with an overview of its sections (web/src/components/SectionOverview.tsx):
 * each section's price and free seats, live, and a way straight to its part of the map. In Chromium
 * against the real engine with its Socket.io gateway; screenshots in test-results/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

// page globals used inside page.evaluate (this file compiles against Node's types only)
declare const document: { activeElement: { getAttribute(name: string): string | null } | null; scrollingElement: { scrollWidth: number } };
declare const window: { innerHeight: number };

let engine: TestEngine;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('overview_map', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' }, { realtime: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

const LARGE = [
  { name: 'Stalls', kind: 'RESERVED' as const, priceCents: 6000, rows: 2, seatsPerRow: 10 },
  { name: 'Circle', kind: 'RESERVED' as const, priceCents: 4500, rows: 2, seatsPerRow: 10 },
  { name: 'Upper circle', kind: 'RESERVED' as const, priceCents: 3000, rows: 2, seatsPerRow: 10 },
  { name: 'Balcony', kind: 'RESERVED' as const, priceCents: 2000, rows: 2, seatsPerRow: 10 },
  { name: 'Standing', kind: 'GA' as const, priceCents: 2500, capacity: 250 },
];

const overviewItem = (page: Page, sectionId: string) => page.locator(`[data-testid="section-overview"] button[data-section-id="${sectionId}"]`);

async function openEvent(page: Page, eventId: string) {
  await page.goto(`${engine.url}/events/${eventId}`);
  await page.locator('[data-testid="seat-map"]').waitFor();
  await page.locator('[data-testid="live-status"][data-status="live"]').waitFor({ timeout: 10_000 });
}

test("a large venue's map opens with every section's price and free seats, kept live, and a section chosen there comes into view with the focus", async () => {
  const { eventId, sectionIds, seatIds } = await engine.createEvent({ sections: LARGE });
  const [ada, ben] = [await engine.register(), await engine.register()];
  const context = await signedInContext(browser, ada, { name: 'Ada A', role: 'customer' });
  const page = await context.newPage();
  await openEvent(page, eventId);

  const items = page.locator('[data-testid="section-overview"] button');
  expect(await items.count()).toBe(5);
  const stalls = overviewItem(page, sectionIds[0]);
  expect(await stalls.textContent()).toContain('Section Stalls');
  expect(await stalls.textContent()).toContain('20 of 20 free');
  expect(await overviewItem(page, sectionIds[4]).textContent()).toContain('250 of 250 free');

  // another customer holds two stalls seats: the overview counts them at once, without a reload
  const held = await engine.request('POST', '/api/reservations', { token: ben.token, body: { eventId, seatIds: seatIds.slice(0, 2) } });
  expect(held.status).toBe(201);
  await page.locator(`[data-testid="section-overview"] button[data-section-id="${sectionIds[0]}"][data-free="18"]`).waitFor({ timeout: 10_000 });
  expect(await stalls.textContent()).toContain('18 of 20 free');
  // the customer's own hold is counted as theirs
  const mine = await engine.request('POST', '/api/reservations', { token: ada.token, body: { eventId, sectionId: sectionIds[4], quantity: 3 } });
  expect(mine.status).toBe(201);
  await page.reload();
  await page.locator(`[data-testid="section-overview"] button[data-section-id="${sectionIds[4]}"][data-free="247"]`).waitFor({ timeout: 10_000 });
  await overviewItem(page, sectionIds[4]).filter({ hasText: '3 yours' }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: `${SCREENSHOTS}/section-overview.png` });

  // choosing the balcony brings its part of the map into view and moves the focus there
  await overviewItem(page, sectionIds[3]).click();
  await page.waitForFunction((id) => document.activeElement?.getAttribute('data-section-id') === id, sectionIds[3], { timeout: 5000 });
  const balcony = page.locator(`section[data-section-id="${sectionIds[3]}"]`);
  await expectInView(page, balcony);
  await context.close();
});

test('a small venue has no overview; on a touch phone the help says tap, and the overview fits the screen', async () => {
  const small = await engine.createEvent();
  const large = await engine.createEvent({ sections: LARGE });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await phone.newPage();
  await openEvent(page, small.eventId);
  expect(await page.locator('[data-testid="section-overview"]').count()).toBe(0);
  expect(await page.getByText('Tap seats to choose them').isVisible()).toBe(true);
  expect(await page.getByText('Choose seats with a click').isVisible()).toBe(false);

  await openEvent(page, large.eventId);
  expect(await page.locator('[data-testid="section-overview"] button').count()).toBe(5);
  expect(await page.evaluate(() => document.scrollingElement.scrollWidth)).toBeLessThanOrEqual(390);
  const box = (await overviewItem(page, large.sectionIds[0]).boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(44);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${SCREENSHOTS}/section-overview-phone.png`, fullPage: true });
  await phone.close();
});

/** Waits until the element's top is on the screen (smooth scrolling takes a moment). */
async function expectInView(page: Page, locator: ReturnType<Page['locator']>) {
  for (let i = 0; i < 50; i++) {
    const box = await locator.boundingBox();
    const height = await page.evaluate(() => window.innerHeight);
    if (box && box.y >= -1 && box.y < height) return;
    await page.waitForTimeout(100);
  }
  throw new Error('the section did not come into view');
}
