/**
 * The events page's "Featured" strip and event images (issue 10), in Chromium against the real
 * engine. The image URLs are https:// ones of a host that does not exist offline, so the browser's
 * requests to it are answered by Playwright (context.route) with a small SVG poster: the page's
 * content security policy is still the engine's, so an image that shows proves it allows https images.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from '../../src/db/sql.ts';
import { z } from 'zod';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
const IMAGE = 'https://images.example.com/posters/harbour-lights.svg';
const POSTER = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">
  <rect width="640" height="360" fill="#1e3a8a"/><circle cx="520" cy="90" r="50" fill="#fbbf24"/>
  <text x="40" y="300" font-family="sans-serif" font-size="48" fill="#fff">Harbour Lights</text></svg>`;
const events = { first: '', second: '', plain: '' };
let admin: Awaited<ReturnType<TestEngine['register']>>;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('featured_browser'), launchChromium()]);
  admin = await engine.register('admin');
  const day = 86_400_000;
  events.first = (await engine.createEvent({ name: 'Harbour Lights Festival', startsAt: new Date(Date.now() + 9 * day) })).eventId;
  events.second = (await engine.createEvent({ name: 'Quiet Strings Evening', startsAt: new Date(Date.now() + 3 * day) })).eventId;
  events.plain = (await engine.createEvent({ name: 'Ordinary Tuesday Gig', startsAt: new Date(Date.now() + day) })).eventId;
  // the image as an organizer would set it (the contract's checks: tests/catalog/featured.test.ts)
  await engine.db.pool.query(sql.typeAlias('void')`UPDATE events SET image_url = ${IMAGE} WHERE id = ${events.first}`);
  for (const [eventId, position] of [[events.first, 1], [events.second, 2]] as const) {
    const res = await engine.request('PUT', `/api/admin/events/${eventId}/featured`, { token: admin.token, body: { position } });
    expect(res.status).toBe(200);
  }
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('https://images.example.com/**', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: POSTER }));
  page = await context.newPage();
  page.on('console', (message) => { if (/content security policy|refused to load/i.test(message.text())) problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(error.message));
});
afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await engine?.close();
});

test('the events page shows the Featured strip first, in the admins\' order, with the event\'s image', async () => {
  await page.goto(`${engine.url}/`);
  const strip = page.getByTestId('featured-strip');
  await strip.getByRole('heading', { name: 'Featured' }).waitFor();
  // the strip comes before the list of results, and holds the featured events only, in position order
  const titles = await strip.locator('.event-card__title').allTextContents();
  expect(titles.map((t) => t.trim())).toEqual(['Harbour Lights Festival', 'Quiet Strings Evening']);
  const stripFirst = await page.evaluate(() => {
    const [strip, results] = [document.querySelector('[data-testid="featured-strip"]'), document.getElementById('results-title')];
    return Boolean(strip && results && strip.compareDocumentPosition(results) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  expect(stripFirst).toBe(true);

  const image = strip.getByRole('img', { name: 'Harbour Lights Festival' });
  expect(await image.getAttribute('src')).toBe(IMAGE);
  expect(await image.getAttribute('loading')).toBe('lazy');
  // it loads (the CSP allows https images) and shows
  await page.waitForFunction((src) => {
    const img = document.querySelector(`[data-testid="featured-strip"] img[src="${src}"]`) as HTMLImageElement | null;
    return Boolean(img && img.complete && img.naturalWidth > 0);
  }, IMAGE);
  // the event without an image has none
  expect(await strip.locator('article', { hasText: 'Quiet Strings Evening' }).locator('img').count()).toBe(0);
  expect(problems).toEqual([]);
  await page.screenshot({ path: `${SCREENSHOTS}/featured-strip.png`, fullPage: true });
});

test('the event page shows the image with the event\'s name as its alt text', async () => {
  await page.goto(`${engine.url}/events/${events.first}`);
  await page.getByRole('heading', { name: 'Harbour Lights Festival' }).waitFor();
  const image = page.locator('.event-header__image');
  expect(await image.getAttribute('src')).toBe(IMAGE);
  expect(await image.getAttribute('alt')).toBe('Harbour Lights Festival');
  expect(problems).toEqual([]);
});

test('an admin features an event found by name and removes another, on the admin page', async () => {
  const adminContext = await signedInContext(browser, admin, { name: 'Ada Admin', role: 'admin' });
  try {
    const adminPage = await adminContext.newPage();
    await adminPage.goto(`${engine.url}/admin`);
    const section = adminPage.getByRole('region', { name: 'Featured events' });
    await section.locator(`li[data-featured-id="${events.first}"]`).waitFor();
    expect(await section.locator('li[data-featured-id]').count()).toBe(2);

    await section.getByLabel('Event name').fill('Ordinary Tuesday');
    await section.getByLabel('Position').fill('0');
    await section.getByRole('button', { name: 'Search events' }).click();
    await section.getByRole('button', { name: 'Feature Ordinary Tuesday Gig' }).click();
    await section.getByText('Ordinary Tuesday Gig is featured.').waitFor();
    await section.locator(`li[data-featured-id="${events.plain}"]`).waitFor();

    await section.getByRole('button', { name: 'Remove Quiet Strings Evening' }).click();
    await section.getByText('Quiet Strings Evening is no longer featured.').waitFor();
    await section.locator(`li[data-featured-id="${events.second}"]`).waitFor({ state: 'detached' });

    const rows = await engine.db.pool.any(sql.type(z.object({ eventId: z.string(), position: z.number() }))`
      SELECT event_id AS "eventId", position FROM featured_events ORDER BY position, event_id
    `);
    expect(rows).toEqual([{ eventId: events.plain, position: 0 }, { eventId: events.first, position: 1 }]);
    expect(await section.locator('li[data-featured-id]').evaluateAll((items) => items.map((li) => li.getAttribute('data-featured-id'))))
      .toEqual([events.plain, events.first]);
    await adminPage.screenshot({ path: `${SCREENSHOTS}/admin-featured.png`, fullPage: true });
  } finally {
    await adminContext.close();
  }
});
