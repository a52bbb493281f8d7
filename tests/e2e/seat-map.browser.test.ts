/**
 * Browser end-to-end tests of the live seat map: two customers (two browser contexts of one
 * Chromium) on one event page, against the real engine with its Socket.io gateway and the built
 * web client. One engine keeps the default 10-minute hold (hold, buy); a second one holds for
 * 5 seconds so a hold expires during the test.
 */
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

// The browser globals that the functions handed to page.evaluate/waitForFunction/addInitScript use;
// they run in the page, but this file compiles against Node's types only (no DOM lib).
declare const document: { body: unknown; querySelector(selector: string): { getAttribute(name: string): string | null } | null };
declare const window: { __e2eMarker?: string; __e2eSeenAt?: number };
declare const location: { origin: string };
declare const localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void; disconnect(): void };

const SHORT_HOLD_SECONDS = 5;

interface Customer { token: string; customerId: string; email: string }
type SeatView = 'available' | 'held' | 'yours' | 'sold' | 'selected';

let buyEngine: TestEngine;
let expiryEngine: TestEngine;
let browser: Browser;
let contextA: BrowserContext;
let contextB: BrowserContext;
const pages: Page[] = [];
/** Customer A and B on each engine, by engine URL. */
const customers = new Map<string, { a: Customer; b: Customer }>();

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [buyEngine, expiryEngine, browser] = await Promise.all([
    startTestEngine('e2e_buy', { TEMPORAL_UI_URL: 'http://127.0.0.1:8233' }, { realtime: true }),
    startTestEngine('e2e_expiry', { HOLD_DEFAULT_SECONDS: String(SHORT_HOLD_SECONDS) }, { realtime: true }),
    launchChromium(),
  ]);
  for (const engine of [buyEngine, expiryEngine]) {
    const [a, b] = await Promise.all([engine.register(), engine.register()]);
    customers.set(engine.url, { a, b });
  }
  contextA = await loggedInContext('a');
  contextB = await loggedInContext('b');
});

afterAll(async () => {
  for (const page of pages) await page.close().catch(() => {});
  await contextA?.close().catch(() => {});
  await contextB?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await Promise.all([buyEngine?.close(), expiryEngine?.close()]);
});

/** A context logged in (localStorage `token` + `customer`, as the web client keeps its session) on both engines' origins. */
async function loggedInContext(who: 'a' | 'b'): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const sessions = Object.fromEntries([...customers].map(([url, pair]) => {
    const c = pair[who];
    return [new URL(url).origin, { token: c.token, customer: { id: c.customerId, email: c.email, name: who === 'a' ? 'Ada A' : 'Ben B', role: 'customer' } }];
  }));
  await context.addInitScript((bySite: Record<string, { token: string; customer: unknown }>) => {
    const session = bySite[location.origin];
    if (!session || localStorage.getItem('token')) return;
    localStorage.setItem('token', session.token);
    localStorage.setItem('customer', JSON.stringify(session.customer));
  }, sessions);
  return context;
}

async function openEventPage(context: BrowserContext, engine: TestEngine, eventId: string): Promise<Page> {
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${engine.url}/events/${eventId}`);
  await page.locator('[data-testid="seat-map"]').waitFor();
  await page.locator('[data-testid="live-status"][data-status="live"]').waitFor({ timeout: 10_000 });
  return page;
}

const seat = (page: Page, seatId: string) => page.locator(`[data-seat-id="${seatId}"]`);
const seatStates = (page: Page, seatIds: string[]) => Promise.all(seatIds.map((id) => seat(page, id).getAttribute('data-state')));

/** Waits until every seat shows `state` (a condition, not a sleep). */
async function seatsShow(page: Page, seatIds: string[], state: SeatView, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    ({ ids, wanted }) => ids.every((id) => document.querySelector(`[data-seat-id="${id}"]`)?.getAttribute('data-state') === wanted),
    { ids: seatIds, wanted: state },
    { timeout, polling: 50 },
  );
}

/** Marks the page's document so a later check can tell it was never reloaded. */
async function markDocument(page: Page): Promise<string> {
  const marker = `doc-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => { window.__e2eMarker = value; }, marker);
  return marker;
}
const documentMarker = (page: Page) => page.evaluate(() => window.__e2eMarker);

/**
 * Records in the page (the browser's clock: time origin plus monotonic time) the first moment all
 * `seatIds` show `state`, observed by a MutationObserver so no polling interval skews it.
 */
async function recordWhenSeatsShow(page: Page, seatIds: string[], state: SeatView): Promise<void> {
  await page.evaluate(({ ids, wanted }) => {
    const w = window;
    delete w.__e2eSeenAt;
    const check = () => {
      if (w.__e2eSeenAt) return;
      if (ids.every((id) => document.querySelector(`[data-seat-id="${id}"]`)?.getAttribute('data-state') === wanted)) {
        w.__e2eSeenAt = performance.timeOrigin + performance.now();
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    check();
  }, { ids: seatIds, wanted: state });
}
async function recordedAt(page: Page, timeout: number): Promise<number> {
  const handle = await page.waitForFunction(() => window.__e2eSeenAt, undefined, { timeout, polling: 50 });
  return (await handle.jsonValue()) as number;
}

/** A selects `seatIds` on the map and presses "Hold seats"; returns the hold response and when it arrived. */
async function holdThroughTheMap(page: Page, seatIds: string[]) {
  for (const id of seatIds) {
    await seat(page, id).click();
    await seatsShow(page, [id], 'selected', 2000);
  }
  const responded = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/reservations');
  await page.getByRole('button', { name: 'Hold seats' }).click();
  const response = await responded;
  const receivedAt = Date.now();
  // when the response reached A's browser, from its Resource Timing entry, on the same clock as
  // B's record (the page's time origin plus its monotonic clock); when the test got it as a fallback
  const arrivedAt = await page.evaluate(() => {
    const entry = performance.getEntriesByType('resource')
      .filter((e) => e.name.endsWith('/api/reservations'))
      .at(-1) as { responseStart: number } | undefined;
    return entry && entry.responseStart > 0 ? performance.timeOrigin + entry.responseStart : null;
  }) ?? receivedAt;
  expect(response.status()).toBe(201);
  const { reservation } = (await response.json()) as { reservation: { id: string; status: string; holdExpiresAt: string } };
  return { reservation, arrivedAt, receivedAt };
}

async function fillCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry month').fill('12');
  await page.getByLabel('Expiry year').fill(String(new Date().getFullYear() + 2));
  await page.getByLabel('CVC').fill('123');
}

const countdown = (page: Page) => page.locator('[data-testid="countdown"]');

describe('the live seat map in two browsers', () => {
  test("seats A holds show as held on B's map within a second of A's hold response, without a reload, and as A's own on A's side", async () => {
    const { eventId, seatIds } = await buyEngine.createEvent();
    const wanted = [seatIds[4], seatIds[5]];
    const [pageA, pageB] = await Promise.all([openEventPage(contextA, buyEngine, eventId), openEventPage(contextB, buyEngine, eventId)]);
    expect(await seatStates(pageB, wanted)).toEqual(['available', 'available']);
    const markerB = await markDocument(pageB);
    await recordWhenSeatsShow(pageB, wanted, 'held');

    const { reservation, arrivedAt, receivedAt } = await holdThroughTheMap(pageA, wanted);
    const seenAt = await recordedAt(pageB, 2000);
    // negative when B's push lands before A's HTTP response does
    const latencyMs = Math.round(seenAt - arrivedAt);
    process.stdout.write(`A's hold response reached A's browser -> B's map shows held: ${latencyMs} ms (vs the test seeing the response: ${Math.round(seenAt - receivedAt)} ms)\n`);
    expect(latencyMs).toBeLessThan(1000);
    expect(await seatStates(pageB, wanted)).toEqual(['held', 'held']);
    expect(await seatStates(pageB, [seatIds[6]])).toEqual(['available']);
    expect(await documentMarker(pageB)).toBe(markerB);

    // A is taken to checkout for that reservation; back on the map the seats are A's own
    expect(reservation.status).toBe('HELD');
    await pageA.waitForURL(`**/checkout/${reservation.id}`);
    await countdown(pageA).waitFor();
    await pageA.getByRole('link', { name: 'Back to event' }).click();
    await seatsShow(pageA, wanted, 'yours');
    expect(await seatStates(pageA, [seatIds[6]])).toEqual(['available']);
  });

  test("A's short hold counts down in red, expires with a message on A's checkout page, and B sees the seats available again without a reload", async () => {
    const { eventId, seatIds } = await expiryEngine.createEvent();
    const wanted = [seatIds[0], seatIds[1]];
    const [pageA, pageB] = await Promise.all([openEventPage(contextA, expiryEngine, eventId), openEventPage(contextB, expiryEngine, eventId)]);
    const markerB = await markDocument(pageB);

    const { reservation } = await holdThroughTheMap(pageA, wanted);
    const expiresAt = Date.parse(reservation.holdExpiresAt);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(SHORT_HOLD_SECONDS * 1000);
    await seatsShow(pageB, wanted, 'held', 2000);

    await pageA.waitForURL(`**/checkout/${reservation.id}`);
    const timer = countdown(pageA);
    await timer.waitFor({ state: 'visible' });
    // under a minute left: red and pulsing, counting down from at most the hold length
    expect(await timer.getAttribute('data-level')).toBe('red');
    expect(await timer.getAttribute('class')).toMatch(/\bpulse\b/);
    expect(await timer.textContent()).toMatch(/^00:0[0-5]$/);
    await pageA.screenshot({ path: `${SCREENSHOTS}/checkout-expiring.png` });

    await pageA.locator('[data-testid="expired-message"]').waitFor({ timeout: (SHORT_HOLD_SECONDS + 3) * 1000 });
    expect(await pageA.locator('[data-testid="expired-message"]').textContent()).toMatch(/hold expired/i);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1000);
    expect(await timer.textContent()).toBe('00:00');
    expect(await pageA.getByLabel('Card number').count()).toBe(0);
    await pageA.screenshot({ path: `${SCREENSHOTS}/checkout-expired.png` });

    // the workflow releases the seats at the deadline and B's map follows without a reload
    await seatsShow(pageB, wanted, 'available', 5000);
    expect(await documentMarker(pageB)).toBe(markerB);
    const status = await expiryEngine.request('GET', `/api/reservations/${reservation.id}`, { token: customers.get(expiryEngine.url)!.a.token });
    expect(status.body.status).toBe('EXPIRED');
  });

  test('the countdown turns from yellow to red and pulses once less than a minute of the hold is left, and one extension makes it calm again', async () => {
    const { eventId, seatIds } = await expiryEngine.createEvent();
    const { a } = customers.get(expiryEngine.url)!;
    // 70 s: yellow (60 s to 3 min left) when the page opens, even on a busy machine; red about ten seconds later
    const held = await expiryEngine.request('POST', '/api/reservations', { token: a.token, body: { eventId, seatIds: [seatIds[10]], holdSeconds: 70 } });
    expect(held.status).toBe(201);
    const page = await contextA.newPage();
    pages.push(page);
    await page.goto(`${expiryEngine.url}/checkout/${held.body.reservation.id}`);
    const timer = countdown(page);
    await timer.waitFor({ state: 'visible' });
    expect(await timer.getAttribute('data-level')).toBe('yellow');
    expect(await timer.getAttribute('class')).not.toMatch(/\bpulse\b/);
    expect(await timer.textContent()).toMatch(/^01:(0\d|10)$/);

    await page.locator('[data-testid="countdown"][data-level="red"]').waitFor({ timeout: 15_000 });
    expect(await timer.getAttribute('class')).toMatch(/\bpulse\b/);
    expect(await timer.textContent()).toMatch(/^00:5\d$/);

    // one click buys five more minutes: the countdown is calm again and the offer is used up
    const more = page.getByRole('button', { name: /^Need more time\? Add 5 minutes$/ });
    expect(await page.locator('.checkout__extend').textContent()).toContain('You can do this once.');
    await more.click();
    await page.locator('[data-testid="countdown"][data-level="orange"]').waitFor({ timeout: 5000 });
    expect(await timer.textContent()).toMatch(/^05:5\d$/);
    expect(await timer.getAttribute('class')).not.toMatch(/\bpulse\b/);
    await more.waitFor({ state: 'detached' });
    const extended = await expiryEngine.request('GET', `/api/reservations/${held.body.reservation.id}`, { token: a.token });
    expect(Date.parse(extended.body.holdExpiresAt)).toBe(Date.parse(held.body.reservation.holdExpiresAt) + 300_000);
    const cancelled = await expiryEngine.request('POST', `/api/reservations/${held.body.reservation.id}/cancel`, { token: a.token, body: {} });
    expect(cancelled.status).toBe(202);
  });

  test('A pays on the checkout page after a declined card, lands on a confirmation with a booking reference, and B sees the seats sold without a reload', async () => {
    const { eventId, seatIds } = await buyEngine.createEvent();
    const wanted = [seatIds[12], seatIds[13]];
    // someone else holds a seat too, so B's map shows held and sold seats side by side
    const other = await buyEngine.register();
    expect((await buyEngine.request('POST', '/api/reservations', { token: other.token, body: { eventId, seatIds: [seatIds[2]] } })).status).toBe(201);
    const [pageA, pageB] = await Promise.all([openEventPage(contextA, buyEngine, eventId), openEventPage(contextB, buyEngine, eventId)]);
    expect(await seatStates(pageB, [seatIds[2]])).toEqual(['held']);
    const markerB = await markDocument(pageB);

    const { reservation } = await holdThroughTheMap(pageA, wanted);
    await pageA.waitForURL(`**/checkout/${reservation.id}`);
    const timer = countdown(pageA);
    await timer.waitFor({ state: 'visible' });
    // ten minutes left: the calm orange level, no pulse
    expect(await timer.getAttribute('data-level')).toBe('orange');
    expect(await timer.getAttribute('class')).not.toMatch(/\bpulse\b/);
    expect(await timer.textContent()).toMatch(/^(10:00|09:[45]\d)$/);
    await seatsShow(pageB, wanted, 'held', 2000);
    await pageA.screenshot({ path: `${SCREENSHOTS}/checkout.png`, fullPage: true });

    // a declined card: an alert, the hold stays and the form stays usable
    await fillCard(pageA, '4000000000000002');
    await pageA.getByRole('button', { name: /^Pay / }).click();
    const declined = pageA.getByRole('alert').filter({ hasText: 'Your card was declined.' });
    await declined.waitFor({ timeout: 10_000 });
    expect(await declined.textContent()).toMatch(/try again/i);
    expect(pageA.url()).toContain(`/checkout/${reservation.id}`);
    expect(await pageA.getByRole('button', { name: /^Pay / }).isEnabled()).toBe(true);
    expect(await seatStates(pageB, wanted)).toEqual(['held', 'held']);

    // the retry with a good card books the seats
    await fillCard(pageA, '4242424242424242');
    expect(await pageA.getByLabel('Card number').inputValue()).toBe('4242 4242 4242 4242');
    await pageA.getByRole('button', { name: /^Pay / }).click();
    await pageA.waitForURL(`**/confirmation/${reservation.id}`, { timeout: 15_000 });
    const reference = pageA.locator('[data-testid="booking-reference"]');
    await reference.waitFor();
    const referenceText = (await reference.textContent())?.trim() ?? '';
    expect(referenceText).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await pageA.screenshot({ path: `${SCREENSHOTS}/confirmation.png`, fullPage: true });

    await seatsShow(pageB, wanted, 'sold', 5000);
    expect(await seatStates(pageB, [seatIds[2], seatIds[3]])).toEqual(['held', 'available']);
    expect(await documentMarker(pageB)).toBe(markerB);
    await pageB.locator('[data-testid="seat-map"]').screenshot({ path: `${SCREENSHOTS}/seat-map.png` });

    // the reference shown is the booking the engine recorded
    const bookings = await buyEngine.request('GET', '/api/bookings', { token: customers.get(buyEngine.url)!.a.token });
    expect(bookings.body.items.map((b: { reference: string }) => b.reference)).toContain(referenceText);
  });

  test("support cancels A's hold from the support page while A's checkout is open: A reads why, and B sees the seats free", async () => {
    const { eventId, seatIds } = await buyEngine.createEvent();
    const wanted = [seatIds[15], seatIds[16]];
    const [pageA, pageB] = await Promise.all([openEventPage(contextA, buyEngine, eventId), openEventPage(contextB, buyEngine, eventId)]);
    const { reservation } = await holdThroughTheMap(pageA, wanted);
    await pageA.waitForURL(`**/checkout/${reservation.id}`);
    await countdown(pageA).waitFor({ state: 'visible' });
    await seatsShow(pageB, wanted, 'held', 2000);

    const staff = await buyEngine.register('support');
    const supportContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await supportContext.addInitScript((session: { token: string; customer: unknown }) => {
      localStorage.setItem('token', session.token);
      localStorage.setItem('customer', JSON.stringify(session.customer));
    }, { token: staff.token, customer: { id: staff.customerId, email: staff.email, name: 'Sam Support', role: 'support' } });
    try {
      const supportPage = await supportContext.newPage();
      await supportPage.goto(`${buyEngine.url}/support?eventId=${eventId}&status=HELD`);
      const row = supportPage.locator(`tr[data-reservation-id="${reservation.id}"]`);
      await row.waitFor();
      // operators jump from here to the workflow, or to this filter, in the Temporal UI
      expect(await row.getByTestId('workflow-link').getAttribute('href'))
        .toBe(`http://127.0.0.1:8233/namespaces/default/workflows/reservation-${reservation.id}`);
      expect(decodeURIComponent((await supportPage.getByTestId('temporal-ui-filter').getAttribute('href')) ?? ''))
        .toContain(`BookingEventId="${eventId}" AND ReservationState="HELD"`);

      // support gives the customer more time first (the engine records who did)
      await row.getByRole('button', { name: 'Extend' }).click();
      await row.getByText(/Held until/).waitFor();
      const extended = await buyEngine.request('GET', `/api/reservations/${reservation.id}`, { token: staff.token });
      expect(extended.body.extensionCount).toBe(1);
      expect(Date.parse(extended.body.holdExpiresAt)).toBeGreaterThan(Date.parse(reservation.holdExpiresAt));

      await row.getByRole('button', { name: 'Cancel' }).click();
      await supportPage.getByLabel(/Reason for cancelling/).fill('duplicate order, refunded by phone');
      await supportPage.getByRole('button', { name: 'Confirm cancel' }).click();
      await supportPage.getByText(/was cancelled\./).waitFor();
      // once the workflow has released the hold, it leaves this list of HELD reservations
      await row.waitFor({ state: 'detached', timeout: 5000 });
      await supportPage.screenshot({ path: `${SCREENSHOTS}/support.png`, fullPage: true });
    } finally {
      await supportContext.close();
    }

    const message = pageA.locator('[data-testid="cancelled-message"]');
    await message.waitFor({ timeout: 5000 });
    expect(await message.textContent()).toBe('Support cancelled your hold: duplicate order, refunded by phone');
    await pageA.screenshot({ path: `${SCREENSHOTS}/checkout-cancelled-by-support.png`, fullPage: true });
    await seatsShow(pageB, wanted, 'available', 5000);
  });

  test('a seat B sees held cannot be selected by B', async () => {
    // guards against a map that only recolours: a held seat's button must not select
    const { eventId, seatIds } = await buyEngine.createEvent();
    const other = await buyEngine.register();
    expect((await buyEngine.request('POST', '/api/reservations', { token: other.token, body: { eventId, seatIds: [seatIds[0]] } })).status).toBe(201);
    const pageB = await openEventPage(contextB, buyEngine, eventId);
    expect(await seatStates(pageB, [seatIds[0]])).toEqual(['held']);
    await seat(pageB, seatIds[0]).click({ force: true });
    await sleep(200);
    expect(await seatStates(pageB, [seatIds[0]])).toEqual(['held']);
    expect(await pageB.getByRole('button', { name: 'Hold seats' }).isDisabled()).toBe(true);
  });

  test("the event page says the per-customer limit, and a hold over it says why and leaves the seat free", async () => {
    const { eventId, seatIds } = await buyEngine.createEvent({ maxTicketsPerCustomer: 2 });
    const { b } = customers.get(buyEngine.url)!;
    expect((await buyEngine.request('POST', '/api/reservations', { token: b.token, body: { eventId, seatIds: [seatIds[0], seatIds[1]] } })).status).toBe(201);
    const pageB = await openEventPage(contextB, buyEngine, eventId);
    expect(await pageB.getByTestId('ticket-limit').textContent()).toBe('Limit 2 tickets per customer');

    await seat(pageB, seatIds[5]).click();
    await seatsShow(pageB, [seatIds[5]], 'selected', 2000);
    const responded = pageB.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/reservations');
    await pageB.getByRole('button', { name: 'Hold seats' }).click();
    expect((await responded).status()).toBe(409);
    await pageB.getByRole('alert').filter({ hasText: 'this event allows 2 tickets per customer' }).waitFor({ timeout: 5_000 });
    await pageB.screenshot({ path: `${SCREENSHOTS}/ticket-limit.png`, fullPage: true });
    expect((await buyEngine.request('GET', `/api/events/${eventId}`)).body.seats.find((s: { id: string }) => s.id === seatIds[5]).state).toBe('AVAILABLE');
  });
});
