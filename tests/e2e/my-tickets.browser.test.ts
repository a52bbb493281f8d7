/**
 * "My tickets" (issue 11): one page for a customer's purchases, in Chromium against the real engine
 * and the built client. Live holds first, then upcoming bookings (tickets PDF, calendar, transfer,
 * cancel and refund), past and cancelled ones folded away; the three pages it replaced redirect to
 * it; on a 390x844 phone the cards take one column, every action is a full-width 44 px target and
 * nothing scrolls sideways. Screenshots in test-results/my-tickets-*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { launchChromium, SCREENSHOTS, signedInContext } from '../helpers/browser.ts';
import { eventually, startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

// Browser globals used by functions that run in the page (this file compiles against Node's types only).
declare const document: { scrollingElement: { scrollWidth: number } | null };

type Account = Awaited<ReturnType<TestEngine['register']>>;
const DAY = 86_400_000;
const PHONE = { width: 390, height: 844 };

let engine: TestEngine;
let browser: Browser;
let buyer: Account;
let friend: Account;
let holdId: string;
let harbour: { reference: string; reservationId: string };
let moonrise: { reference: string; reservationId: string };

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([startTestEngine('buyer_my_tickets', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' }, { realtime: true }), launchChromium()]);
  [buyer, friend] = [await engine.register(), await engine.register()];
  const a = await engine.createEvent({ name: 'Harbour Lights', venueName: 'Quay Hall', startsAt: new Date(Date.now() + 7 * DAY) });
  const b = await engine.createEvent({ name: 'Moonrise Quartet', venueName: 'Observatory Room', startsAt: new Date(Date.now() + 10 * DAY) });
  const c = await engine.createEvent({ name: 'Late Show', venueName: 'Cellar Club', startsAt: new Date(Date.now() + 3 * DAY) });
  harbour = await book(a.eventId, a.seatIds.slice(0, 2));
  moonrise = await book(b.eventId, b.seatIds.slice(0, 1));
  const held = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId: c.eventId, seatIds: c.seatIds.slice(0, 2) } });
  expect(held.status).toBe(201);
  holdId = held.body.reservation.id;
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

async function book(eventId: string, seatIds: string[]) {
  const held = await engine.request('POST', '/api/reservations', { token: buyer.token, body: { eventId, seatIds } });
  const paid = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: buyer.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return { reference: paid.body.booking.reference as string, reservationId: held.body.reservation.id as string };
}

async function withPage(viewport: { width: number; height: number }, run: (page: Page) => Promise<void>) {
  const context: BrowserContext = await signedInContext(browser, buyer, { name: 'Mia Buyer', role: 'customer' }, viewport);
  try {
    await run(await context.newPage());
  } finally {
    await context.close();
  }
}

const card = (page: Page, reference: string) => page.locator(`li.purchase[data-reference="${reference}"]`);

test('a live hold and two bookings show on one page: the hold with its countdown, each booking with its date, venue, seats and amount; its PDF downloads', async () => {
  await withPage({ width: 1280, height: 900 }, async (page) => {
    await page.goto(`${engine.url}/my-tickets`);
    await page.getByRole('heading', { name: 'My tickets', level: 1 }).waitFor();

    const hold = page.getByTestId('holds').locator(`li[data-reservation-id="${holdId}"]`);
    await hold.waitFor();
    expect(await hold.textContent()).toContain('Late Show');
    expect(await hold.getByTestId('event-facts').textContent()).toContain('Cellar Club');
    expect(await hold.getByTestId('countdown').textContent()).toMatch(/^\d\d:\d\d$/);
    expect(await hold.getByRole('link', { name: 'Continue to checkout' }).getAttribute('href')).toBe(`/checkout/${holdId}`);

    const upcoming = page.getByTestId('upcoming').locator('li.purchase');
    await card(page, moonrise.reference).waitFor();
    // soonest first
    expect(await upcoming.evaluateAll((cards) => cards.map((c) => (c as unknown as { dataset: { reference: string } }).dataset.reference)))
      .toEqual([harbour.reference, moonrise.reference]);
    const first = card(page, harbour.reference);
    expect(await first.getByTestId('event-facts').textContent()).toContain('Quay Hall');
    expect(await first.getByTestId('event-facts').locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await first.locator('.ticket__seats').textContent()).toBe('Seats: Stalls A1, Stalls A2');
    expect(await first.locator('.ticket__amount').textContent()).toBe('€100.00');
    expect(await first.locator('li.purchase__ticket[data-state="VALID"]').count()).toBe(2);
    expect(await card(page, moonrise.reference).getByTestId('event-facts').textContent()).toContain('Observatory Room');
    // nothing past yet
    expect(await page.getByTestId('past').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/my-tickets-desktop.png`, fullPage: true });

    const link = first.getByRole('link', { name: `Download tickets (PDF) for booking ${harbour.reference}` });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`tickets-${harbour.reference}.pdf`);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(2);
  });
});

test('on a 390x844 phone the cards take one column, every action is a full-width target of at least 44x44 px, and nothing scrolls sideways', async () => {
  await withPage(PHONE, async (page) => {
    await page.goto(`${engine.url}/my-tickets`);
    await card(page, moonrise.reference).waitFor();
    expect(await page.evaluate(() => document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(PHONE.width);

    // one column: every card starts at the same x and is nearly as wide as the screen
    const cards = page.locator('.purchases li.purchase, .purchases li.hold-card');
    expect(await cards.count()).toBe(3);
    const boxes = await Promise.all((await cards.all()).map((c) => c.boundingBox()));
    for (const box of boxes) {
      expect(box!.x).toBe(boxes[0]!.x);
      expect(box!.width).toBeGreaterThanOrEqual(PHONE.width - 40);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    }

    // every action: at least 44x44 px, as wide as its card's column
    const actions = page.locator('.purchases .btn');
    const count = await actions.count();
    expect(count).toBe(11) // the hold's 2; PDF, calendar, cancel and a transfer per ticket: 5 and 4;
    for (const action of await actions.all()) {
      if (!(await action.isVisible())) continue;
      const box = (await action.boundingBox())!;
      const name = (await action.textContent())?.trim();
      expect({ name, height: box.height >= 44, width: box.width >= 44 }).toEqual({ name, height: true, width: true });
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    const checkout = page.getByRole('link', { name: 'Continue to checkout' });
    const holdCard = (await page.locator('li.hold-card').boundingBox())!;
    expect((await checkout.boundingBox())!.width).toBeGreaterThanOrEqual(holdCard.width - 48);
    await page.screenshot({ path: `${SCREENSHOTS}/my-tickets-phone.png`, fullPage: true });
  });
});

test('a customer cancels a booking (refunded) and sees it move to past and cancelled; transfers a ticket of the other to a friend', async () => {
  await withPage({ width: 1280, height: 900 }, async (page) => {
    await page.goto(`${engine.url}/my-tickets`);
    await page.getByRole('button', { name: `Cancel booking ${harbour.reference}` }).click();
    await page.getByRole('button', { name: 'Cancel and refund' }).click();
    await page.getByText(`Booking ${harbour.reference} was cancelled and refunded.`).waitFor();
    expect((await reservationRow(engine.db.pool, harbour.reservationId)).status).toBe('REFUNDED');
    // gone from upcoming, folded under past and cancelled
    await page.getByTestId('upcoming').locator(`[data-reference="${harbour.reference}"]`).waitFor({ state: 'detached' });
    const past = page.getByTestId('past');
    expect(await past.locator('summary').textContent()).toBe('Past and cancelled (1)');
    const refunded = past.locator(`li.purchase[data-reference="${harbour.reference}"]`);
    expect(await refunded.isVisible()).toBe(false);
    await past.locator('summary').click();
    await refunded.waitFor();
    expect(await refunded.getAttribute('data-status')).toBe('REFUNDED');
    expect(await refunded.getByText('Refunded').count()).toBe(1);
    expect(await refunded.getByRole('button', { name: /Cancel booking/ }).count()).toBe(0);
    expect(await refunded.locator('li.purchase__ticket[data-state="CANCELLED"]').count()).toBe(2);

    // a ticket of the other booking to a friend: this one is TRANSFERRED, the friend holds a new one
    const other = card(page, moonrise.reference);
    const [ticket] = (await engine.request('GET', `/api/bookings/${moonrise.reference}/tickets`, { token: buyer.token })).body.tickets as Array<{ id: string }>;
    await other.getByRole('button', { name: 'Transfer the ticket for Stalls · Row A · Seat 1' }).click();
    await other.getByLabel(/Recipient's email/).fill(friend.email);
    await other.getByRole('button', { name: 'Transfer ticket' }).click();
    await page.getByText(`now belongs to ${friend.email}`).waitFor();
    await other.locator(`li[data-ticket-id="${ticket.id}"][data-state="TRANSFERRED"]`).waitFor();
    // a booking with a ticket given away is not the customer's to cancel any more (the API would refuse): no button, a reason
    expect(await other.getByRole('button', { name: /Cancel booking/ }).count()).toBe(0);
    expect(await other.getByTestId('no-cancel').textContent()).toContain('only support can cancel it');
    const theirs = (await engine.request('GET', '/api/tickets', { token: friend.token })).body.items as Array<{ booking: { reference: string }; ticket: { state: string } }>;
    expect(theirs.map((t) => [t.booking.reference, t.ticket.state])).toEqual([[moonrise.reference, 'VALID']]);
    await page.screenshot({ path: `${SCREENSHOTS}/my-tickets-after-cancel-and-transfer.png`, fullPage: true });
  });
  // the friend sees the ticket on their own page, transferred to them, with no cancel
  const context = await signedInContext(browser, friend, { name: 'Finn Friend', role: 'customer' });
  try {
    const page = await context.newPage();
    await page.goto(`${engine.url}/my-tickets`);
    const received = card(page, moonrise.reference);
    await received.waitFor();
    expect(await received.textContent()).toContain('Transferred to you');
    expect(await received.locator('li.purchase__ticket[data-state="VALID"] code').textContent()).toMatch(/^T1\./);
    expect(await received.getByRole('button', { name: /Cancel booking/ }).count()).toBe(0);
  } finally {
    await context.close();
  }
});

test('the old pages (/reservations, /bookings, /tickets) lead to My tickets, the one entry in the header', async () => {
  await withPage({ width: 1280, height: 900 }, async (page) => {
    for (const old of ['/reservations', '/bookings', '/tickets']) {
      await page.goto(`${engine.url}${old}`);
      await page.waitForURL('**/my-tickets');
      await page.getByRole('heading', { name: 'My tickets', level: 1 }).waitFor();
    }
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'My tickets' }).getAttribute('href')).toBe('/my-tickets');
    expect(await nav.getByRole('link', { name: /My (bookings|reservations)/ }).count()).toBe(0);
  });
});

test('cancelling the live hold releases it: it leaves the page and the reservation ends CANCELLED', async () => {
  await withPage({ width: 1280, height: 900 }, async (page) => {
    await page.goto(`${engine.url}/my-tickets`);
    const hold = page.locator(`li[data-reservation-id="${holdId}"]`);
    await hold.getByRole('button', { name: 'Cancel hold on Late Show' }).click();
    await page.getByText('Your hold on Late Show was cancelled; the seats are released.').waitFor();
    await page.getByTestId('holds').waitFor({ state: 'detached' });
    await eventually(async () => (await reservationRow(engine.db.pool, holdId)).status === 'CANCELLED', 15_000, 'the hold cancelled');
    // once the workflow has ended it, it reads as cancelled under past and cancelled
    await page.getByTestId('past').locator('summary').click();
    await page.getByTestId('past').locator(`li[data-reservation-id="${holdId}"][data-status="CANCELLED"]`).waitFor({ timeout: 15_000 });
    const seats = await engine.db.pool.any(sql.type(z.object({ state: z.string() }))`
      SELECT s.state FROM seats s JOIN reservation_seats rs ON rs.seat_id = s.id WHERE rs.reservation_id = ${holdId}
    `);
    expect(seats.map((s) => s.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
  });
  // on the phone the folded part opens with a 44 px tap, and its cards fit too
  await withPage(PHONE, async (page) => {
    await page.goto(`${engine.url}/my-tickets`);
    const summary = page.getByTestId('past').locator('summary');
    await summary.waitFor();
    expect((await summary.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await summary.click();
    await card(page, harbour.reference).waitFor();
    expect(await page.evaluate(() => document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SCREENSHOTS}/my-tickets-phone-past.png`, fullPage: true });
  });
});
