/**
 * Exports after the sale against the real engine: an event's bookings and attendees as CSV for
 * support, and a booking's iCalendar entry for its customer (and for whoever holds its tickets).
 */
import { randomUUID } from 'node:crypto';
import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
beforeAll(async () => { engine = await startTestEngine('exports', { RATE_LIMIT_HOLDS_PER_MINUTE: '0' }); });
afterAll(async () => { await engine?.close(); });

type Customer = { token: string; customerId: string; email: string };

const book = (customer: Customer, eventId: string, seatIds: string[]) => bookSeats(engine, customer, eventId, seatIds);

/** A customer whose name is chosen (the engine helper names everyone alike). */
async function registerNamed(name: string): Promise<Customer> {
  const email = `named-${randomUUID().slice(0, 8)}@example.com`;
  const res = await engine.request('POST', '/api/auth/register', { body: { email, password: 'correct horse battery', name } });
  expect(res.status).toBe(201);
  return { token: res.body.token, customerId: res.body.customer.id, email };
}

/** RFC 4180 with CRLF records, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += c;
  }
  return rows;
}

const csvOf = (token: string | undefined, eventId: string) => fetch(`${engine.url}/api/support/events/${eventId}/attendees.csv`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const icsOf = (token: string, reference: string) => fetch(`${engine.url}/api/bookings/${reference}/calendar.ics`, { headers: { authorization: `Bearer ${token}` } });
const unfold = (ics: string) => ics.replace(/\r\n /g, '').split('\r\n');

describe('bookings and attendees of an event, as CSV for support', () => {
  test('one row per ticket with booking, buyer, attendee and door state; transfers, refunds and check-ins show; names stay text', async () => {
    const { eventId, seatIds } = await engine.createEvent({ startsAt: new Date(Date.now() + 7 * 86_400_000) });
    const buyer = await registerNamed('=HYPERLINK("http://evil"), "Ana"');
    const friend = await registerNamed('Bea Friend');
    const other = await registerNamed('Cid Other');
    const support = await engine.register('support');
    const kept = await book(buyer, eventId, seatIds.slice(0, 2));
    const refunded = await book(other, eventId, seatIds.slice(2, 3));
    // the buyer hands seat 2 to a friend; support admits seat 1; the other booking is cancelled by its customer
    const tickets = (await engine.request('GET', `/api/bookings/${kept}/tickets`, { token: buyer.token })).body.tickets as Array<{ id: string; code: string }>;
    expect((await engine.request('POST', `/api/tickets/${tickets[1].id}/transfer`, { token: buyer.token, body: { email: friend.email } })).status).toBe(200);
    expect((await engine.request('POST', '/api/checkin', { token: support.token, body: { eventId, code: tickets[0].code } })).status).toBe(200);
    expect((await engine.request('POST', `/api/bookings/${refunded}/cancel`, { token: other.token, body: {} })).status).toBe(200);

    const res = await csvOf(support.token, eventId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="attendees-${eventId}.csv"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const [header, ...rows] = parseCsv(await res.text());
    expect(header).toEqual(['booking_reference', 'booking_status', 'booked_at', 'amount_cents', 'buyer_name', 'buyer_email', 'ticket_id', 'ticket_state',
      'section', 'row', 'seat', 'place', 'attendee_name', 'attendee_email', 'checked_in_at', 'checked_in_by']);
    const pick = (r: string[]) => [r[0], r[1], r[4], r[7], r[10], r[12], r[15]];
    const evilName = `'=HYPERLINK("http://evil"), "Ana"`;
    expect(rows.map(pick)).toEqual([
      [kept, 'CONFIRMED', evilName, 'CHECKED_IN', '1', evilName, `support:${support.email}`],
      [kept, 'CONFIRMED', evilName, 'TRANSFERRED', '2', evilName, ''],
      [kept, 'CONFIRMED', evilName, 'VALID', '2', 'Bea Friend', ''],
      [refunded, 'REFUNDED', 'Cid Other', 'CANCELLED', '3', 'Cid Other', ''],
    ]);
    expect(rows[2][13]).toBe(friend.email);
    expect(rows.every((r) => r[3] === (r[0] === kept ? '10000' : '5000') && r[8] === 'Stalls' && r[9] === 'A')).toBe(true);
  });

  test('support only (a customer is 403, anonymous 401); an unknown event is 404 and a malformed id 400, in the error shape', async () => {
    const customer = await engine.register();
    const support = await engine.register('support');
    const { eventId } = await engine.createEvent();
    expect((await csvOf(customer.token, eventId)).status).toBe(403);
    expect((await csvOf(undefined, eventId)).status).toBe(401);
    const unknown = await csvOf(support.token, randomUUID());
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('NOT_FOUND');
    const bad = await csvOf(support.token, 'not-an-id');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('VALIDATION_FAILED');
    // an event without bookings is the header alone
    expect(await (await csvOf(support.token, eventId)).text()).toMatch(/^booking_reference,[^\r\n]*\r\n$/);
  });
});

describe('a booking as an iCalendar entry', () => {
  test('its customer gets the event, start, venue and seats; a transfer recipient gets their seat; a refund publishes it cancelled; a stranger 404', async () => {
    const startsAt = new Date(Math.ceil((Date.now() + 7 * 86_400_000) / 60_000) * 60_000);
    const { eventId, seatIds } = await engine.createEvent({ name: 'Quartet, at dusk', startsAt });
    const [buyer, friend, stranger] = [await engine.register(), await engine.register(), await engine.register()];
    const reference = await book(buyer, eventId, seatIds.slice(0, 2));

    const res = await icsOf(buyer.token, reference);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="booking-${reference}.ics"`);
    const lines = unfold(await res.text());
    const stamp = startsAt.toISOString().replace(/[-:]/g, '').replace('.000', '');
    expect(lines).toEqual(expect.arrayContaining([
      'BEGIN:VEVENT', `DTSTART:${stamp}`, 'SUMMARY:Quartet\\, at dusk', 'LOCATION:Test Hall',
      `DESCRIPTION:Booking reference ${reference}\\nStalls A1\\nStalls A2`, 'STATUS:CONFIRMED', 'END:VEVENT',
    ]));
    const uid = lines.find((l) => l.startsWith('UID:'));

    const [, second] = (await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: buyer.token })).body.tickets as Array<{ id: string }>;
    expect((await engine.request('POST', `/api/tickets/${second.id}/transfer`, { token: buyer.token, body: { email: friend.email } })).status).toBe(200);
    expect(unfold(await (await icsOf(friend.token, reference)).text())).toContain(`DESCRIPTION:Booking reference ${reference}\\nStalls A2`);
    expect(unfold(await (await icsOf(buyer.token, reference)).text())).toContain(`DESCRIPTION:Booking reference ${reference}\\nStalls A1`);

    const stranger404 = await icsOf(stranger.token, reference);
    expect(stranger404.status).toBe(404);
    expect((await stranger404.json()).error.code).toBe('NOT_FOUND');

    const support = await engine.register('support');
    expect((await engine.request('POST', `/api/support/bookings/${reference}/cancel`, { token: support.token, body: { reason: 'cancelled event' } })).status).toBe(200);
    const cancelled = unfold(await (await icsOf(buyer.token, reference)).text());
    expect(cancelled).toEqual(expect.arrayContaining(['STATUS:CANCELLED', 'SEQUENCE:1', uid]));
  });
});
