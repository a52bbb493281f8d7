/**
 * The organizer's statistics page in Chromium against the real engine: reached from the organizer
 * page, the totals as figures, the day-by-day chart with its table, each event with its occupancy
 * linking to the event's own figures; on a desktop and on a 390x844 phone. Screenshots in test-results/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { giveEventToTenant } from '../helpers/queries.ts';

let engine: TestEngine;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('orgstats_page'), launchChromium()]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

test("an organizer reads the totals, the sale day by day and each event's occupancy, on a desktop and on a phone", async () => {
  const tenantId = await engine.createTenant();
  const organizer = await engine.register('organizer', { tenantId });
  const busy = await engine.createEvent({ name: 'Busy night', startsAt: new Date(Date.now() + 3 * 86_400_000) });
  const quiet = await engine.createEvent({ name: 'Quiet night', startsAt: new Date(Date.now() + 9 * 86_400_000) });
  const elsewhere = await engine.createEvent({ name: "Another tenant's night" });
  await giveEventToTenant(engine.db.pool, busy.eventId, tenantId);
  await giveEventToTenant(engine.db.pool, quiet.eventId, tenantId);
  await giveEventToTenant(engine.db.pool, elsewhere.eventId, await engine.createTenant());
  const buyer = await engine.register();
  // 10 of the busy night's 55 places (10 stalls seats at 50.00), nothing of the quiet night; a sale elsewhere
  await bookSeats(engine, buyer, busy.eventId, busy.seatIds.slice(0, 10));
  await bookSeats(engine, buyer, elsewhere.eventId, elsewhere.seatIds.slice(0, 1));

  const desktop = await signedInContext(browser, organizer, { name: 'Olga Organizer', role: 'organizer', tenantId });
  try {
    const page = await desktop.newPage();
    await page.goto(`${engine.url}/organizer`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Statistics' }).waitFor();
    await page.getByRole('link', { name: 'Statistics across all your events' }).click();
    await page.waitForURL('**/organizer/stats');

    await page.getByTestId('tickets-sold').waitFor();
    expect(await page.getByTestId('tickets-sold').textContent()).toBe('10 of 110');
    expect(await page.getByTestId('revenue').textContent()).toBe('€500.00');
    expect(await page.getByTestId('occupancy').textContent()).toBe('9.1 %');
    expect(await page.getByTestId('holds-converted').textContent()).toBe('1');
    expect(await page.getByTestId('conversion').textContent()).toBe('100 %');
    // the chart draws on a canvas; the table says the same in text: today, one hold, one booking of 10 tickets
    expect(await page.getByTestId('sales-chart').locator('canvas').count()).toBeGreaterThan(0);
    const days = page.getByTestId('timeline').locator('tbody tr');
    expect(await days.count()).toBe(1);
    expect(await days.locator('td').allTextContents()).toEqual(['1', '1', '10', '€500.00']);
    // each event of the tenant, by date, with its occupancy bar (nothing of the other tenant)
    const rows = page.getByTestId('event-stats').locator('tbody tr');
    expect(await rows.locator('th a').allTextContents()).toEqual(['Busy night', 'Quiet night']);
    expect(await rows.locator('th [data-status]').allTextContents()).toEqual(['On sale', 'On sale']);
    expect(await rows.getByTestId('event-sold').allTextContents()).toEqual(['10 of 55', '0 of 55']);
    expect(await rows.first().getByRole('img').getAttribute('aria-label')).toBe('Busy night: 18.2 % sold');
    expect(await rows.first().locator('.occupancy__sold').evaluate((bar) => (bar as HTMLElement).style.width)).toBe('18.2%');
    await page.screenshot({ path: `${SCREENSHOTS}/organizer-stats-desktop.png`, fullPage: true });

    // an event's own figures, for its organizer
    await rows.first().getByRole('link', { name: 'Busy night' }).click();
    await page.waitForURL(`**/organizer/events/${busy.eventId}/stats`);
    await page.getByTestId('tickets-sold').waitFor();
    expect(await page.getByTestId('tickets-sold').textContent()).toBe('10 of 55');
    await page.getByRole('link', { name: "← All my events' statistics" }).click();
    await page.waitForURL('**/organizer/stats');
  } finally {
    await desktop.close();
  }

  const phone = await signedInContext(browser, organizer, { name: 'Olga Organizer', role: 'organizer', tenantId }, { width: 390, height: 844 });
  try {
    const page = await phone.newPage();
    await page.goto(`${engine.url}/organizer/stats`);
    await page.getByTestId('tickets-sold').waitFor();
    expect(await page.getByTestId('tickets-sold').textContent()).toBe('10 of 110');
    await page.getByTestId('sales-chart').locator('canvas').first().waitFor();
    // nothing of the page behind a sideways scroll (the tables scroll inside their own frame)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // each event's row fits: its revenue, the last column, is in view
    const revenue = await page.getByTestId('event-stats').locator('tbody tr').first().locator('td').last().boundingBox();
    expect(revenue!.x + revenue!.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}/organizer-stats-phone.png`, fullPage: true });
  } finally {
    await phone.close();
  }
});
