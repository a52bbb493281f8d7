/**
 * Browser tests of the buyer's journey (issue 11) against the real engine and the built web
 * client: price tiers on the seat map, the customer's bought seats, the empty selection, one
 * sentence for a declined card, the event page on a 390-pixel phone, and the event's date, venue,
 * price lines and calendar entry at checkout and confirmation. Screenshots in test-results/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

// Browser globals used by functions that run in the page (this file compiles against Node's types only).
declare const document: {
  scrollingElement: { scrollWidth: number } | null;
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
};
declare const localStorage: { setItem(key: string, value: string): void };
declare function getComputedStyle(element: unknown): { borderBottomStyle: string; borderBottomColor: string };

type Account = Awaited<ReturnType<TestEngine['register']>>;

const EVENT_NAME = 'Journey, Live; Night';
const VENUE = 'Journey Hall';
const STARTS_AT = '2027-03-05T19:30:00.000Z';
/** Stalls and Boxes share a price (one tier); a 16-seat row for the phone. */
const SECTIONS = [
  { name: 'Stalls', kind: 'RESERVED', priceCents: 5000, rows: 2, seatsPerRow: 16 },
  { name: 'Circle', kind: 'RESERVED', priceCents: 3500, rows: 2, seatsPerRow: 8 },
  { name: 'Boxes', kind: 'RESERVED', priceCents: 5000, rows: 1, seatsPerRow: 4 },
  { name: 'Floor', kind: 'GA', priceCents: 2000, capacity: 10 },
  { name: 'Balcony', kind: 'RESERVED', priceCents: 0, rows: 1, seatsPerRow: 5 },
] as const;
// the reserved seats in the snapshot's order: section, row, number
const stalls = (row: 'A' | 'B', n: number) => (row === 'A' ? 0 : 16) + n - 1;
const circle = (row: 'A' | 'B', n: number) => 32 + (row === 'A' ? 0 : 8) + n - 1;
const boxes = (n: number) => 48 + n - 1;
const balcony = (n: number) => 52 + n - 1;

let engine: TestEngine;
let browser: Browser;
let buyer: Account;
let rival: Account;
let desktop: BrowserContext;
let phone: BrowserContext;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('buyer_journey', {}, { realtime: true }), launchChromium()]);
  [buyer, rival] = [await engine.register(), await engine.register()];
  desktop = await loggedIn(buyer, { width: 1280, height: 900 });
  phone = await loggedIn(buyer, { width: 390, height: 844 });
});

afterAll(async () => {
  await desktop?.close().catch(() => {});
  await phone?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await engine?.close();
});

async function loggedIn(account: Account, viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await context.addInitScript((session: { token: string; customer: unknown }) => {
    localStorage.setItem('token', session.token);
    localStorage.setItem('customer', JSON.stringify(session.customer));
  }, { token: account.token, customer: { id: account.customerId, email: account.email, name: 'Bea Buyer', role: 'customer' } });
  return context;
}

async function journeyEvent() {
  return engine.createEvent({ name: EVENT_NAME, venueName: VENUE, startsAt: new Date(STARTS_AT), sections: SECTIONS.map((s) => ({ ...s })) });
}

/** Holds and pays for seats through the API, as another tab or device would. */
async function buy(account: Account, eventId: string, seatIds: string[]): Promise<string> {
  const held = await engine.request('POST', '/api/reservations', { token: account.token, body: { eventId, seatIds } });
  expect(held.status).toBe(201);
  const paid = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: account.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return paid.body.booking.reference;
}

async function openEvent(context: BrowserContext, eventId: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${engine.url}/events/${eventId}`);
  await page.getByTestId('seat-map').waitFor();
  await page.locator('[data-testid="live-status"][data-status="live"]').waitFor({ timeout: 10_000 });
  return page;
}

const seat = (page: Page, seatId: string) => page.locator(`[data-seat-id="${seatId}"]`);

async function seatShows(page: Page, seatId: string, state: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    ({ id, wanted }) => document.querySelector(`[data-seat-id="${id}"]`)?.getAttribute('data-state') === wanted,
    { id: seatId, wanted: state },
    { timeout, polling: 50 },
  );
}

async function fillCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry month').fill('12');
  await page.getByLabel('Expiry year').fill(String(new Date().getFullYear() + 2));
  await page.getByLabel('CVC').fill('123');
}

describe("the buyer's journey in the web client", () => {
  test('the seat map marks each price tier with a colour band, a line style and a shape, and the price legend lists every price once', async () => {
    const { eventId, seatIds } = await journeyEvent();
    const page = await openEvent(desktop, eventId);

    const legend = page.getByTestId('price-legend').locator('li');
    const rows = await legend.evaluateAll((items) => items.map((item) => {
      const el = item as unknown as { getAttribute(n: string): string | null; textContent: string | null; querySelector(s: string): { textContent: string | null } | null };
      return { tier: el.getAttribute('data-tier'), cents: el.getAttribute('data-price-cents'), mark: el.querySelector('.tier-mark')?.textContent, text: el.textContent };
    }));
    // one tier per price, dearest first: Stalls and Boxes share €50.00
    expect(rows.map((r) => [r.tier, r.cents])).toEqual([['1', '5000'], ['2', '3500'], ['3', '2000'], ['4', '0']]);
    expect(rows[0].text).toContain('€50.00');
    expect(rows[0].text).toContain('Section Stalls, Section Boxes');
    expect(rows[1].text).toContain('€35.00');
    expect(rows[2].text).toContain('€20.00');
    expect(rows[3].text).toContain('Free');
    // not colour alone: every tier has its own shape
    expect(new Set(rows.map((r) => r.mark)).size).toBe(4);

    // the seats carry their tier; a tier's band differs from the next tier's in colour and line style
    const band = (id: string) => seat(page, id).evaluate((el) => {
      const style = getComputedStyle(el);
      return { style: style.borderBottomStyle, color: style.borderBottomColor };
    });
    expect(await seat(page, seatIds[stalls('A', 1)]).getAttribute('data-tier')).toBe('1');
    expect(await seat(page, seatIds[boxes(1)]).getAttribute('data-tier')).toBe('1');
    expect(await seat(page, seatIds[circle('B', 8)]).getAttribute('data-tier')).toBe('2');
    expect(await seat(page, seatIds[balcony(5)]).getAttribute('data-tier')).toBe('4');
    const [top, second, free, sameTier] = await Promise.all([band(seatIds[stalls('A', 1)]), band(seatIds[circle('A', 1)]), band(seatIds[balcony(1)]), band(seatIds[boxes(2)])]);
    expect(sameTier).toEqual(top);
    expect(second.style).not.toBe(top.style);
    expect(second.color).not.toBe(top.color);
    expect(free.color).not.toBe(top.color);
    // each section header shows its tier's shape beside its price
    const header = page.locator(`[data-section-id]`, { hasText: 'Section Circle' }).locator('.map-section__price');
    expect(await header.textContent()).toBe(`${rows[1].mark}€35.00`);
    await page.getByTestId('seat-map').screenshot({ path: `${SCREENSHOTS}/journey-price-tiers.png` });
  });

  test("the customer's bought seats show as theirs, not as sold, also when a purchase is made while the map is open", async () => {
    const { eventId, seatIds } = await journeyEvent();
    await buy(buyer, eventId, [seatIds[stalls('A', 5)], seatIds[stalls('A', 6)]]);
    await buy(rival, eventId, [seatIds[stalls('A', 7)]]);
    const page = await openEvent(desktop, eventId);

    expect(await seat(page, seatIds[stalls('A', 5)]).getAttribute('data-state')).toBe('bought');
    expect(await seat(page, seatIds[stalls('A', 6)]).getAttribute('data-state')).toBe('bought');
    expect(await seat(page, seatIds[stalls('A', 7)]).getAttribute('data-state')).toBe('sold');
    expect(await seat(page, seatIds[stalls('A', 5)]).getAttribute('aria-label')).toContain('yours, bought');
    expect(await seat(page, seatIds[stalls('A', 5)]).textContent()).toBe('★');
    expect(await page.locator('.legend__item[data-state="bought"]').textContent()).toBe('★Yours, bought');

    // bought elsewhere (another tab) while this map is open: the seat turns "bought" live, a rival's turns "sold"
    await buy(buyer, eventId, [seatIds[circle('A', 1)]]);
    await buy(rival, eventId, [seatIds[circle('A', 2)]]);
    await seatShows(page, seatIds[circle('A', 1)], 'bought');
    await seatShows(page, seatIds[circle('A', 2)], 'sold');
    // and a fresh read agrees with what the pushes made of it
    await page.reload();
    await page.getByTestId('seat-map').waitFor();
    await seatShows(page, seatIds[circle('A', 1)], 'bought');
    expect(await seat(page, seatIds[circle('A', 2)]).getAttribute('data-state')).toBe('sold');
    await page.screenshot({ path: `${SCREENSHOTS}/journey-bought-seats.png`, fullPage: true });
  });

  test('an empty selection shows no total until a seat is chosen', async () => {
    const { eventId, seatIds } = await journeyEvent();
    const page = await openEvent(desktop, eventId);
    const summary = page.getByTestId('selection-summary');
    expect(await summary.getByTestId('selection-total').textContent()).toBe('Pick seats to see the total');
    expect(await summary.textContent()).not.toMatch(/Total \(0 seats\)|Free/);
    expect(await page.getByRole('button', { name: 'Hold seats' }).isDisabled()).toBe(true);

    await seat(page, seatIds[circle('B', 2)]).click();
    await seatShows(page, seatIds[circle('B', 2)], 'selected', 2000);
    expect(await summary.getByTestId('selection-total').textContent()).toBe('Total (1 seat)€35.00');
    await seat(page, seatIds[circle('B', 2)]).click();
    await seatShows(page, seatIds[circle('B', 2)], 'available', 2000);
    expect(await summary.getByTestId('selection-total').textContent()).toBe('Pick seats to see the total');
  });

  test('checkout shows the date, venue and every price line, a declined card reads once, and the confirmation offers a calendar entry', async () => {
    const { eventId, seatIds } = await journeyEvent();
    const page = await openEvent(desktop, eventId);
    await seat(page, seatIds[stalls('B', 3)]).click();
    await seat(page, seatIds[circle('B', 3)]).click();
    await seatShows(page, seatIds[circle('B', 3)], 'selected', 2000);
    expect(await page.getByTestId('selection-summary').getByTestId('selection-total').textContent()).toBe('Total (2 seats)€85.00');
    await page.getByRole('button', { name: 'Hold seats' }).click();
    await page.waitForURL('**/checkout/*');
    const reservationId = new URL(page.url()).pathname.split('/').at(-1)!;

    // when, where, and every line of the price: two seats (by label), no fees, the total
    const summary = page.locator('.reservation-summary');
    await summary.getByTestId('event-facts').waitFor();
    const facts = (await summary.getByTestId('event-facts').textContent()) ?? '';
    expect(facts).toContain(VENUE);
    expect(facts).toContain('2027');
    expect(await summary.getByTestId('event-facts').locator('time').getAttribute('datetime')).toBe(STARTS_AT);
    expect(await summary.getByTestId('seat-line').allTextContents()).toEqual(['Circle B3 · Section Circle€35.00', 'Stalls B3 · Section Stalls€50.00']);
    expect(await summary.getByTestId('fees-line').textContent()).toBe('Booking and service feesNone');
    expect(await summary.locator('.line-items__total').textContent()).toBe('Total€85.00');

    // a declined card: one sentence says so, once
    await fillCard(page, '4000 0000 0000 0002');
    await page.getByRole('button', { name: /^Pay / }).click();
    const alert = page.getByRole('alert').filter({ hasText: /declined/i });
    await alert.waitFor({ timeout: 15_000 });
    const alertText = (await alert.textContent()) ?? '';
    expect(alertText.match(/declined/gi)).toHaveLength(1);
    expect(alertText).toContain('Your card was declined.');
    expect(alertText).not.toContain('The card was declined.');
    await page.screenshot({ path: `${SCREENSHOTS}/journey-checkout-declined.png`, fullPage: true });

    await fillCard(page, '4242 4242 4242 4242');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(`**/confirmation/${reservationId}`, { timeout: 15_000 });
    const reference = ((await page.getByTestId('booking-reference').textContent()) ?? '').trim();
    expect(reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(await page.locator('.confirmation').getByTestId('event-facts').textContent()).toContain(VENUE);
    expect(await page.getByTestId('seat-line').count()).toBe(2);
    expect(await page.getByTestId('fees-line').textContent()).toBe('Booking and service feesNone');

    // the calendar entry: a Blob made in the page, an iCalendar file of this booking's event
    const link = page.getByTestId('calendar-link');
    expect(await link.getAttribute('href')).toMatch(/^blob:/);
    expect(await link.getAttribute('download')).toBe(`booking-${reference}.ics`);
    // the file as the browser saves it (a fetch of the blob: URL is refused by the page's connect-src)
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`booking-${reference}.ics`);
    const ics = readFileSync((await download.path())!, 'utf8');
    const lines = ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('BEGIN:VEVENT');
    expect(lines).toContain('DTSTART:20270305T193000Z');
    expect(lines).toContain('SUMMARY:Journey\\, Live\\; Night');
    expect(lines).toContain(`LOCATION:${VENUE}`);
    expect(lines.find((l) => l.startsWith('UID:'))).toBe(`UID:booking-${reference}@127.0.0.1`);
    expect(lines.find((l) => l.startsWith('DTSTAMP:'))).toMatch(/^DTSTAMP:\d{8}T\d{6}Z$/);
    await page.screenshot({ path: `${SCREENSHOTS}/journey-confirmation.png`, fullPage: true });

    // back on the map, the seats just bought are the customer's
    await page.goto(`${engine.url}/events/${eventId}`);
    await seatShows(page, seatIds[stalls('B', 3)], 'bought');
  });

  test('a discount code at checkout: an unknown one is refused in place, a valid one shows what it takes off, and the card pays the lower amount', async () => {
    const { eventId, seatIds } = await journeyEvent();
    const staff = await engine.register('support');
    expect((await engine.request('POST', `/api/support/events/${eventId}/discount-codes`, { token: staff.token, body: { code: 'SAVE10', kind: 'PERCENT', value: 10 } })).status).toBe(201);
    const page = await openEvent(desktop, eventId);
    await seat(page, seatIds[stalls('A', 9)]).click();
    await seatShows(page, seatIds[stalls('A', 9)], 'selected', 2000);
    await page.getByRole('button', { name: 'Hold seats' }).click();
    await page.waitForURL('**/checkout/*');
    const reservationId = new URL(page.url()).pathname.split('/').at(-1)!;

    const box = page.getByLabel('Discount code');
    await box.fill('nope');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('This event has no such code.').waitFor();
    await box.fill('save10');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await page.getByTestId('discount-applied').textContent()).toContain('Code SAVE10: −€5.00');
    await fillCard(page, '4242 4242 4242 4242');
    await page.screenshot({ path: `${SCREENSHOTS}/journey-checkout-discount.png`, fullPage: true });
    await page.getByRole('button', { name: 'Pay €45.00' }).click();
    await page.waitForURL(`**/confirmation/${reservationId}`, { timeout: 15_000 });
    // what the booking cost, as the engine recorded it
    const bookings = await engine.request('GET', '/api/bookings', { token: buyer.token });
    const booked = (bookings.body.items as Array<{ reservationId: string; amountCents: number }>).find((b) => b.reservationId === reservationId);
    expect(booked?.amountCents).toBe(4500);
  });

  test('on a 390-pixel phone a 16-seat row fits the screen and the total and Hold button stay in reach', async () => {
    const { eventId, seatIds } = await journeyEvent();
    const page = await openEvent(phone, eventId);
    const scrollWidth = () => page.evaluate(() => document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY);
    expect(await scrollWidth()).toBeLessThanOrEqual(390);
    // every seat of the 16-seat row inside the screen's width, side by side, as large as fits
    const row = await Promise.all(Array.from({ length: 16 }, (_, i) => seat(page, seatIds[stalls('A', i + 1)]).boundingBox()));
    for (const [i, box] of row.entries()) {
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      if (i > 0) expect(box!.x).toBeGreaterThanOrEqual(row[i - 1]!.x + row[i - 1]!.width);
      expect(box!.width).toBeGreaterThanOrEqual(20);
      expect(box!.height).toBeGreaterThanOrEqual(20);
    }
    const pitch = (row[15]!.x - row[0]!.x) / 15;
    process.stdout.write(`phone: the 16-seat row spans x ${row[0]!.x.toFixed(1)}..${(row[15]!.x + row[15]!.width).toFixed(1)} of 390; each seat is ${row[0]!.width.toFixed(1)} x ${row[0]!.height.toFixed(1)} px, ${pitch.toFixed(1)} px apart (its touch area reaches into the gaps)\n`);
    expect(await page.getByTestId('selection-bar').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/journey-phone-event.png` });

    // the last seat of the row is tapped in place; the total and the Hold button are on screen at once
    await seat(page, seatIds[stalls('A', 16)]).click();
    await seatShows(page, seatIds[stalls('A', 16)], 'selected', 2000);
    const hold = page.getByRole('button', { name: 'Hold seats' });
    expect(await hold.count()).toBe(1);
    const inView = async () => {
      const box = await hold.boundingBox();
      return box !== null && box.y >= 0 && box.y + box.height <= 844 && box.x >= 0 && box.x + box.width <= 390;
    };
    expect(await inView()).toBe(true);
    expect(await page.getByTestId('selection-bar').getByTestId('selection-total').textContent()).toBe('Total (1 seat)€50.00');
    expect(await scrollWidth()).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}/journey-phone-selected.png` });
    // still in reach further down the map
    await page.mouse.wheel(0, 500);
    await page.waitForFunction(() => (globalThis as unknown as { scrollY: number }).scrollY > 0);
    expect(await inView()).toBe(true);

    await hold.click();
    await page.waitForURL('**/checkout/*');
    await page.locator('.reservation-summary').getByTestId('event-facts').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/journey-phone-checkout.png`, fullPage: true });
  });
});
