/**
 * Browser tests of tickets in the web client, against the real engine and the built client:
 * a customer downloads the PDF from "My tickets"; staff check tickets in on /checkin, by
 * typing (as a handheld scanner does) into the code field.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

declare const localStorage: { setItem(key: string, value: string): void };
declare const document: { activeElement: { id: string } | null };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = 'test-results';

type Account = Awaited<ReturnType<TestEngine['register']>>;

let engine: TestEngine;
let browser: Browser;
let owner: Account;
let staff: Account;
let eventId: string;
let otherEventId: string;
let reference: string;
let tickets: Array<{ id: string; code: string }>;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [engine, browser] = await Promise.all([
    startTestEngine('tickets_e2e'),
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    }),
  ]);
  let seatIds: string[];
  ({ eventId, seatIds } = await engine.createEvent({ name: 'Check-in night' }));
  ({ eventId: otherEventId } = await engine.createEvent({ name: 'Another night' }));
  [owner, staff] = [await engine.register(), await engine.register('support')];
  const held = await engine.request('POST', '/api/reservations', { token: owner.token, body: { eventId, seatIds: seatIds.slice(0, 2) } });
  const paid = await engine.request('POST', `/api/reservations/${held.body.reservation.id}/checkout`, { token: owner.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  reference = paid.body.booking.reference;
  tickets = (await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: owner.token })).body.tickets;
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await engine?.close();
});

async function loggedIn(account: Account, role: 'customer' | 'support', viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await context.addInitScript((session: { token: string; customer: unknown }) => {
    localStorage.setItem('token', session.token);
    localStorage.setItem('customer', JSON.stringify(session.customer));
  }, { token: account.token, customer: { id: account.customerId, email: account.email, name: role === 'support' ? 'Sam Door' : 'Ada Buyer', role } });
  return context;
}

const ticketState = (id: string) => engine.db.pool.oneFirst(sql.type(z.object({ state: z.string() }))`SELECT state FROM tickets WHERE id = ${id}`);

/** Types a code into the field and presses Enter, as a keyboard-wedge scanner does; the result shown. */
async function scan(page: Page, code: string) {
  const before = await page.getByTestId('checkin-result').count();
  const previous = before ? await page.getByTestId('checkin-result').getAttribute('data-scan') : null;
  await page.getByLabel('Ticket code').fill(code);
  await page.getByLabel('Ticket code').press('Enter');
  const result = page.getByTestId('checkin-result');
  await page.waitForFunction((prev) => {
    const el = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-testid="checkin-result"]');
    return el !== null && el.getAttribute('data-scan') !== prev;
  }, previous);
  return { kind: await result.getAttribute('data-result'), text: (await result.textContent()) ?? '' };
}

describe('tickets in the web client', () => {
  test('a customer downloads the booking\'s tickets as a PDF from My tickets', async () => {
    const context = await loggedIn(owner, 'customer');
    try {
      const page = await context.newPage();
      await page.goto(`${engine.url}/my-tickets`);
      const link = page.getByRole('link', { name: `Download tickets (PDF) for booking ${reference}` });
      await link.waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe(`tickets-${reference}.pdf`);
      const bytes = readFileSync((await download.path())!);
      await download.delete();
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect((await PDFDocument.load(bytes)).getPageCount()).toBe(2);
      await page.screenshot({ path: `${SCREENSHOTS}/bookings-tickets.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('staff admit a ticket once on the check-in page, and see a second scan, a forged code and another event\'s ticket refused', async () => {
    const context = await loggedIn(staff, 'support');
    try {
      const page = await context.newPage();
      await page.goto(`${engine.url}/checkin`);
      await expect(page.getByLabel('Ticket code').isDisabled()).resolves.toBe(true); // the event comes first
      await page.getByLabel('Event', { exact: true }).selectOption({ label: await optionLabel(page, 'Check-in night') });
      expect(new URL(page.url()).searchParams.get('eventId')).toBe(eventId);

      const first = await scan(page, tickets[0].code);
      expect(first.kind).toBe('ADMITTED');
      expect(first.text).toContain('Admitted');
      expect(first.text).toContain(`Stalls · Row A · Seat 1 · Booking ${reference}`);
      expect(await ticketState(tickets[0].id)).toBe('CHECKED_IN');
      // ready for the next scan: the field is empty and has the focus
      expect(await page.getByLabel('Ticket code').inputValue()).toBe('');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('checkin-code');
      await page.screenshot({ path: `${SCREENSHOTS}/checkin-admitted.png`, fullPage: true });

      const again = await scan(page, tickets[0].code);
      expect(again.kind).toBe('ALREADY_CHECKED_IN');
      expect(again.text).toMatch(/Already checked in.*First scanned at .+ by support-/);
      await page.screenshot({ path: `${SCREENSHOTS}/checkin-already.png`, fullPage: true });

      const forged = await scan(page, `${tickets[1].code.slice(0, -2)}AA`);
      expect(forged.kind).toBe('INVALID_CODE');
      expect(forged.text).toContain('Invalid code');
      expect(await ticketState(tickets[1].id)).toBe('VALID');

      await page.getByLabel('Event', { exact: true }).selectOption({ label: await optionLabel(page, 'Another night') });
      const wrong = await scan(page, tickets[1].code);
      expect(wrong.kind).toBe('WRONG_EVENT');
      expect(wrong.text).toContain('This ticket is for Check-in night.');
      expect(await ticketState(tickets[1].id)).toBe('VALID');
      expect(new URL(page.url()).searchParams.get('eventId')).toBe(otherEventId);
      await page.screenshot({ path: `${SCREENSHOTS}/checkin-wrong-event.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('the check-in page works on a 390-pixel phone, and is refused to customers', async () => {
    const phone = await loggedIn(staff, 'support', { width: 390, height: 844 });
    try {
      const page = await phone.newPage();
      await page.goto(`${engine.url}/checkin?eventId=${eventId}`);
      const admitted = await scan(page, tickets[1].code);
      expect(admitted.kind).toBe('ADMITTED');
      // nothing sideways: the page is no wider than the phone
      expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: `${SCREENSHOTS}/checkin-phone.png`, fullPage: true });
    } finally {
      await phone.close();
    }
    const customer = await loggedIn(owner, 'customer');
    try {
      const page = await customer.newPage();
      await page.goto(`${engine.url}/checkin`);
      await page.getByText('This page is only for the support team.').waitFor();
      expect(await page.getByLabel('Ticket code').count()).toBe(0);
    } finally {
      await customer.close();
    }
  });
});

/** The full text of the event picker's option for an event name (the option also shows the date). */
async function optionLabel(page: Page, name: string): Promise<string> {
  const option = page.locator('#checkin-event option', { hasText: name });
  await option.waitFor({ state: 'attached' });
  return (await option.textContent())!;
}
