/**
 * After the sale in the web client (Chromium against the real engine and the built client): a
 * customer cancels from "My tickets" (and is refused past the event's cutoff), adds a booking to a
 * calendar, and hands a ticket to someone else from the same page; support cancels and refunds from
 * the support page and downloads the attendees CSV.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { reservationRow } from '../helpers/queries.ts';

declare const localStorage: { setItem(key: string, value: string): void };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = 'test-results';
type Account = Awaited<ReturnType<TestEngine['register']>>;

let engine: TestEngine;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([
    startTestEngine('refunds_e2e', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' }),
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    }),
  ]);
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

async function loggedIn(account: Account, role: 'customer' | 'support'): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await context.addInitScript((session: { token: string; customer: unknown }) => {
    localStorage.setItem('token', session.token);
    localStorage.setItem('customer', JSON.stringify(session.customer));
  }, { token: account.token, customer: { id: account.customerId, email: account.email, name: role === 'support' ? 'Sam Support' : 'Ada Buyer', role } });
  return context;
}

async function book(customer: Account, eventId: string, seatIds: string[]) {
  const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds } });
  const paid = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: customer.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return { reference: paid.body.booking.reference as string, reservationId: held.body.reservation.id as string };
}

test('a customer adds a booking to a calendar and cancels it from My tickets; past the cutoff the page says until when', async () => {
  const customer = await engine.register();
  const later = await engine.createEvent({ name: 'Far away night', startsAt: new Date(Date.now() + 7 * 86_400_000) });
  const soon = await engine.createEvent({ name: 'Tonight', startsAt: new Date(Date.now() + 3 * 3600_000) });
  const refundable = await book(customer, later.eventId, later.seatIds.slice(0, 2));
  const tooLate = await book(customer, soon.eventId, soon.seatIds.slice(0, 1));
  const context = await loggedIn(customer, 'customer');
  try {
    const page = await context.newPage();
    // the event page states the policy
    await page.goto(`${engine.url}/events/${later.eventId}`);
    expect(await page.getByTestId('refund-policy').textContent()).toBe('Cancel online for a full refund until 24 hours before the start.');
    await page.goto(`${engine.url}/my-tickets`);
    const calendar = page.getByRole('link', { name: `Add to calendar (.ics) for booking ${refundable.reference}` });
    await calendar.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), calendar.click()]);
    expect(download.suggestedFilename()).toBe(`booking-${refundable.reference}.ics`);
    const ics = readFileSync((await download.path())!, 'utf8');
    expect(ics).toContain('SUMMARY:Far away night');
    expect(ics).toContain('STATUS:CONFIRMED');

    // past the cutoff: refused, and the page says why; nothing changed
    await page.getByRole('button', { name: `Cancel booking ${tooLate.reference}` }).click();
    await page.getByRole('button', { name: 'Cancel and refund' }).click();
    await page.getByRole('alert').filter({ hasText: 'Could not cancel.' }).getByText(/24 hours before it starts/).waitFor();
    expect((await reservationRow(engine.db.pool, tooLate.reservationId)).status).toBe('CONFIRMED');

    await page.getByRole('button', { name: `Cancel booking ${refundable.reference}` }).click();
    await page.getByRole('button', { name: 'Cancel and refund' }).click();
    await page.getByText(`Booking ${refundable.reference} was cancelled and refunded.`).waitFor();
    // the cancelled booking moves under "Past and cancelled", folded until opened
    await page.getByTestId('past').locator('summary').click();
    const card = page.getByTestId('past').locator(`li.purchase[data-reference="${refundable.reference}"]`);
    await card.and(page.locator('[data-status="REFUNDED"]')).waitFor();
    expect(await card.getByText('Refunded').count()).toBe(1);
    expect(await card.getByRole('button', { name: /Cancel booking/ }).count()).toBe(0);
    expect((await reservationRow(engine.db.pool, refundable.reservationId)).status).toBe('REFUNDED');
    await page.screenshot({ path: `${SCREENSHOTS}/bookings-cancelled.png`, fullPage: true });
  } finally {
    await context.close();
  }
});

test('support cancels and refunds a confirmed booking from the support page, and downloads the attendees CSV', async () => {
  const [customer, staff] = [await engine.register(), await engine.register('support')];
  const { eventId, seatIds } = await engine.createEvent({ name: 'Support night', startsAt: new Date(Date.now() + 3600_000) });
  const booking = await book(customer, eventId, seatIds.slice(0, 1));
  const context = await loggedIn(staff, 'support');
  try {
    const page = await context.newPage();
    await page.goto(`${engine.url}/support?eventId=${eventId}&status=CONFIRMED`);
    const csvLink = page.getByTestId('download-attendees');
    await csvLink.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    expect(download.suggestedFilename()).toBe(`attendees-${eventId}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^booking_reference,booking_status,/);
    expect(csv[1]).toMatch(new RegExp(`^${booking.reference},CONFIRMED,`));

    const row = page.locator(`tr[data-reservation-id="${booking.reservationId}"]`);
    await row.getByRole('button', { name: 'Cancel & refund' }).click();
    await page.getByLabel(/Reason for cancelling .*booking \(refunded in full\)/).fill('event moved, customer cannot come');
    await page.getByRole('button', { name: 'Confirm cancel' }).click();
    await page.getByText(/was cancelled\./).waitFor();
    expect(await reservationRow(engine.db.pool, booking.reservationId)).toMatchObject({
      status: 'REFUNDED', cancelledBy: `support:${staff.email}`, cancelReason: 'event moved, customer cannot come',
    });
    const refunds = await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM booking_refunds WHERE reservation_id = ${booking.reservationId}`);
    expect(refunds).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}/support-refund.png`, fullPage: true });
  } finally {
    await context.close();
  }
});

test('a customer transfers a ticket from My tickets; the recipient sees it in theirs, with a new code', async () => {
  const [sender, recipient] = [await engine.register(), await engine.register()];
  const { eventId, seatIds } = await engine.createEvent({ name: 'Handover night' });
  const { reference } = await book(sender, eventId, seatIds.slice(0, 1));
  const [old] = (await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: sender.token })).body.tickets as Array<{ id: string; code: string }>;
  const senderContext = await loggedIn(sender, 'customer');
  try {
    const page = await senderContext.newPage();
    await page.goto(`${engine.url}/my-tickets`);
    await page.getByRole('button', { name: 'Transfer the ticket for Stalls · Row A · Seat 1' }).click();
    await page.getByLabel(/Recipient's email/).fill(recipient.email);
    await page.getByRole('button', { name: 'Transfer ticket' }).click();
    await page.getByText(`now belongs to ${recipient.email}`).waitFor();
    await page.locator(`li[data-ticket-id="${old.id}"][data-state="TRANSFERRED"]`).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/tickets-transferred.png`, fullPage: true });
  } finally {
    await senderContext.close();
  }
  const recipientContext = await loggedIn(recipient, 'customer');
  try {
    const page = await recipientContext.newPage();
    await page.goto(`${engine.url}/my-tickets`);
    const card = page.locator('li.purchase').filter({ hasText: 'Handover night' }).locator('li.purchase__ticket[data-state="VALID"]');
    await card.waitFor();
    expect(await card.getAttribute('data-ticket-id')).not.toBe(old.id);
    const code = (await card.locator('code').textContent()) ?? '';
    expect(code).toMatch(/^T1\./);
    expect(code).not.toBe(old.code);
    await page.screenshot({ path: `${SCREENSHOTS}/tickets-received.png`, fullPage: true });
  } finally {
    await recipientContext.close();
  }
});
