/**
 * Tickets and check-in against the real engine: bookings confirmed through the checkout workflow
 * (test card 4242 4242 4242 4242), tickets issued by PostgreSQL with them, the PDF, and the door.
 */
import { inflateSync } from 'node:zlib';
import jsQRModule from 'jsqr';
import { PDFDocument, PDFDict, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { ticketCodes } from '../../src/tickets/codes.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
// 20 concurrent scans must reach PostgreSQL together, not queue for a handful of pooled connections
beforeAll(async () => { engine = await startTestEngine('tickets', { DATABASE_POOL_SIZE: '24' }); });
afterAll(async () => { await engine?.close(); });

type Customer = Awaited<ReturnType<TestEngine['register']>>;

/** Holds and pays (test card that succeeds) through the API; the booking reference. */
async function book(customer: Customer, body: Record<string, unknown>): Promise<{ reference: string; reservationId: string }> {
  const held = await engine.request('POST', '/api/reservations', { token: customer.token, body });
  expect(held.status).toBe(201);
  const reservationId = held.body.reservation.id as string;
  const paid = await engine.request('POST', `/api/reservations/${reservationId}/checkout`, { token: customer.token, body: { card: { number: '4242424242424242' } } });
  expect(paid.status).toBe(200);
  return { reference: paid.body.booking.reference as string, reservationId };
}

const ticketRow = z.object({ id: z.string(), seatId: z.string(), eventId: z.string(), state: z.string(), checkedInAt: z.string().nullable(), checkedInBy: z.string().nullable() });
const ticketRows = (reference: string) => engine.db.pool.any(sql.type(ticketRow)`
  SELECT t.id, t.seat_id AS "seatId", t.event_id AS "eventId", t.state, iso_utc(t.checked_in_at) AS "checkedInAt", t.checked_in_by AS "checkedInBy"
  FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE b.reference = ${reference} ORDER BY t.id
`);
const ticketById = (id: string) => engine.db.pool.one(sql.type(ticketRow)`
  SELECT t.id, t.seat_id AS "seatId", t.event_id AS "eventId", t.state, iso_utc(t.checked_in_at) AS "checkedInAt", t.checked_in_by AS "checkedInBy"
  FROM tickets t WHERE t.id = ${id}
`);
const bookedSeatIds = (reference: string) => engine.db.pool.anyFirst(sql.type(z.object({ seatId: z.string() }))`
  SELECT bs.seat_id AS "seatId" FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id WHERE b.reference = ${reference} ORDER BY bs.seat_id
`);

const checkin = (token: string, body: unknown) => engine.request('POST', '/api/checkin', { token, body });

async function pdfOf(token: string | undefined, reference: string) {
  const res = await fetch(`${engine.url}/api/bookings/${reference}/tickets.pdf`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The QR image of one PDF page (an 8-bit grey PNG that pdfkit embedded as it was), decoded with jsQR. */
function qrTextOfPage(doc: PDFDocument, pageIndex: number): string | null {
  const resources = doc.getPage(pageIndex).node.Resources()!;
  const xObjects = resources.lookup(PDFName.of('XObject'), PDFDict);
  const images = xObjects.keys().map((name) => xObjects.lookup(name)).filter((o): o is PDFRawStream => o instanceof PDFRawStream
    && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
  expect(images).toHaveLength(1);
  const image = images[0];
  const number = (key: string) => (image.dict.lookup(PDFName.of(key), PDFNumber)).asNumber();
  const width = number('Width');
  const height = number('Height');
  expect(number('BitsPerComponent')).toBe(8);
  expect(image.dict.get(PDFName.of('ColorSpace'))).toBe(PDFName.of('DeviceGray'));
  // the stream is the PNG's IDAT (FlateDecode, PNG predictors): wrap it in a PNG again to read it
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4); length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0); header.writeUInt32BE(height, 4); header[8] = 8; header[9] = 0;
  const png = PNG.sync.read(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', Buffer.from(image.contents)), chunk('IEND', Buffer.alloc(0)),
  ]));
  expect(inflateSync(Buffer.from(image.contents)).length).toBe(height * (width + 1)); // one filter byte per row
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

/** The lines of text a page shows: every TJ operation of its content stream, its hex strings decoded. */
function pageText(doc: PDFDocument, pageIndex: number): string[] {
  const contents = doc.getPage(pageIndex).node.Contents();
  expect(contents).toBeInstanceOf(PDFRawStream);
  const ops = inflateSync(Buffer.from((contents as PDFRawStream).contents)).toString('latin1');
  return [...ops.matchAll(/\[(.*?)\] TJ/g)].map(([, array]) =>
    [...array.matchAll(/<([0-9a-f]*)>/g)].map(([, hex]) => Buffer.from(hex, 'hex').toString('latin1')).join(''));
}

// jsqr is CommonJS: its function is the module itself, and also its `default` (what its types describe)
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default ?? (jsQRModule as unknown as typeof jsQRModule.default);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

describe('tickets of a confirmed booking', () => {
  test('a confirmed booking has one VALID ticket per seat or place, issued with it; a hold has none', async () => {
    const { eventId, sectionIds, seatIds } = await engine.createEvent();
    const customer = await engine.register();
    const reserved = await book(customer, { eventId, seatIds: seatIds.slice(0, 3) });
    const ga = await book(customer, { eventId, sectionId: sectionIds[1], quantity: 2 });

    // the database: one ticket per booked seat, of the booking's event, VALID
    for (const { reference } of [reserved, ga]) {
      const rows = await ticketRows(reference);
      expect(rows.map((r) => r.seatId).sort()).toEqual(await bookedSeatIds(reference));
      expect(rows.every((r) => r.state === 'VALID' && r.eventId === eventId && r.checkedInAt === null)).toBe(true);
    }
    expect(await ticketRows(reserved.reference)).toHaveLength(3);
    expect(await ticketRows(ga.reference)).toHaveLength(2);

    // the API: the owner reads them in seat order, each with a signed code naming it and its event
    const res = await engine.request('GET', `/api/bookings/${reserved.reference.toLowerCase()}/tickets`, { token: customer.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.booking).toMatchObject({ reference: reserved.reference, eventId, venueName: 'Test Hall' });
    expect(res.body.tickets.map((t: { seat: { label: string } }) => t.seat.label)).toEqual(['Stalls A1', 'Stalls A2', 'Stalls A3']);
    expect(res.body.tickets[0].seat).toEqual({ sectionName: 'Stalls', kind: 'RESERVED', row: 'A', number: 1, label: 'Stalls A1' });
    const codes = ticketCodes(engine.config.TICKET_SIGNING_SECRET);
    for (const ticket of res.body.tickets) {
      expect(ticket.state).toBe('VALID');
      expect(codes.verify(ticket.code)).toEqual({ ticketId: ticket.id, eventId });
    }
    const gaTickets = (await engine.request('GET', `/api/bookings/${ga.reference}/tickets`, { token: customer.token })).body.tickets;
    expect(gaTickets.map((t: { seat: { kind: string; row: null } }) => [t.seat.kind, t.seat.row])).toEqual([['GA', null], ['GA', null]]);

    // a hold that is not paid has no tickets
    const held = await engine.request('POST', '/api/reservations', { token: customer.token, body: { eventId, seatIds: [seatIds[5]] } });
    expect(held.status).toBe(201);
    expect(await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM tickets WHERE seat_id = ${seatIds[5]}`)).toBe(0);
  });

  test('the PDF is a real PDF with one page per ticket: event, date, venue, seat, reference, and a QR code that decodes to that ticket\'s signed code', async () => {
    const { eventId, seatIds } = await engine.createEvent({ name: 'Quartet at dusk', startsAt: new Date('2027-03-05T19:30:00Z') });
    const customer = await engine.register();
    const { reference } = await book(customer, { eventId, seatIds: seatIds.slice(0, 3) });
    const tickets = (await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: customer.token })).body.tickets as Array<{ id: string; code: string }>;

    const pdf = await pdfOf(customer.token, reference);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="tickets-${reference}.pdf"`);
    expect(pdf.headers.get('cache-control')).toBe('no-store');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const doc = await PDFDocument.load(pdf.bytes);
    expect(doc.getPageCount()).toBe(3);
    expect(doc.getTitle()).toBe(`Tickets ${reference}: Quartet at dusk`);
    // what each page says (pdfkit writes the standard fonts' text as WinAnsi hex strings)
    for (const [index, ticket] of tickets.entries()) {
      expect(pageText(doc, index)).toEqual([
        `SEATWISE · TICKET ${index + 1} OF 3`, 'Quartet at dusk', 'Friday, 5 March 2027 at 19:30 UTC', 'Test Hall',
        `Stalls · Row A · Seat ${index + 1}`, `Booking reference ${reference}`, ticket.code,
        'Admits one, once. Show this code at the door; a copy admits no one else.',
      ]);
    }
    const scanned = [0, 1, 2].map((page) => qrTextOfPage(doc, page));
    expect(scanned).toEqual(tickets.map((t) => t.code));
    // what a photo of the QR code tells its reader: a ticket id and an event id, nothing of the holder
    const codes = ticketCodes(engine.config.TICKET_SIGNING_SECRET);
    expect(scanned.map((code) => codes.verify(code!))).toEqual(tickets.map((t) => ({ ticketId: t.id, eventId })));
    for (const code of scanned) {
      expect(code).toMatch(/^T1\.[A-Za-z0-9_-]{64}$/);
      expect(code).not.toContain(customer.email);
    }
  });

  test('another customer gets 404 for a booking\'s tickets and PDF, an anonymous caller 401, a malformed reference 400', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const [owner, stranger, support] = [await engine.register(), await engine.register(), await engine.register('support')];
    const { reference } = await book(owner, { eventId, seatIds: [seatIds[0]] });

    for (const caller of [stranger, support]) {
      const json = await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: caller.token });
      expect(json.status).toBe(404);
      expect(json.body.error).toMatchObject({ code: 'NOT_FOUND' });
      expect(JSON.stringify(json.body)).not.toContain('T1.');
      const pdf = await pdfOf(caller.token, reference);
      expect(pdf.status).toBe(404);
      expect(JSON.parse(pdf.bytes.toString('utf8')).error.code).toBe('NOT_FOUND');
    }
    expect((await engine.request('GET', `/api/bookings/${reference}/tickets`)).status).toBe(401);
    const bad = await engine.request('GET', '/api/bookings/not-a-reference/tickets', { token: owner.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('params.reference');
    // the owner's own call works, so the refusals above are about the caller
    expect((await pdfOf(owner.token, reference)).status).toBe(200);
  });
});

describe('check-in at the door', () => {
  let eventId: string;
  let seatIds: string[];
  let owner: Customer;
  let staff: Customer;
  let seatCursor = 0;
  beforeAll(async () => {
    ({ eventId, seatIds } = await engine.createEvent({ name: 'Door test' }));
    [owner, staff] = [await engine.register(), await engine.register('support')];
  });
  /** A fresh one-seat booking of the owner's: its ticket. */
  async function freshTicket(): Promise<{ id: string; code: string; reference: string }> {
    const { reference } = await book(owner, { eventId, seatIds: [seatIds[seatCursor++]] });
    const [ticket] = (await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: owner.token })).body.tickets;
    return { id: ticket.id, code: ticket.code, reference };
  }

  test('20 concurrent scans of one ticket admit it exactly once; the others, and a later scan, report ALREADY_CHECKED_IN with when', async () => {
    const ticket = await freshTicket();
    const answers = await Promise.all(Array.from({ length: 20 }, () => checkin(staff.token, { eventId, code: ticket.code })));

    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(admitted).toHaveLength(1);
    expect(admitted[0].body).toMatchObject({ result: 'ADMITTED', ticket: { id: ticket.id, eventId, eventName: 'Door test', bookingReference: ticket.reference, state: 'CHECKED_IN', checkedInBy: `support:${staff.email}` } });
    expect(refused).toHaveLength(19);
    expect(new Set(refused.map((a) => `${a.status} ${a.body.error.code}`))).toEqual(new Set(['409 ALREADY_CHECKED_IN']));

    // the row: admitted once, at the time every refusal reports
    const row = await ticketById(ticket.id);
    expect(row).toMatchObject({ state: 'CHECKED_IN', checkedInBy: `support:${staff.email}` });
    expect(admitted[0].body.ticket.checkedInAt).toBe(row.checkedInAt);
    for (const answer of refused) expect(answer.body.error.details.ticket.checkedInAt).toBe(row.checkedInAt);

    const later = await checkin(staff.token, { eventId, code: `${ticket.code}\n` });
    expect(later.status).toBe(409);
    expect(later.body.error).toMatchObject({ code: 'ALREADY_CHECKED_IN', details: { ticket: { id: ticket.id, checkedInAt: row.checkedInAt } } });
    expect(later.body.error.message).toContain(row.checkedInAt!);
    expect((await ticketById(ticket.id)).checkedInAt).toBe(row.checkedInAt);
    // the owner sees it used
    const own = await engine.request('GET', `/api/bookings/${ticket.reference}/tickets`, { token: owner.token });
    expect(own.body.tickets[0]).toMatchObject({ state: 'CHECKED_IN', checkedInAt: row.checkedInAt });
  });

  test('a ticket of another event is refused with WRONG_EVENT and stays VALID for its own door', async () => {
    const ticket = await freshTicket();
    const other = await engine.createEvent({ name: 'Other night' });
    const res = await checkin(staff.token, { eventId: other.eventId, code: ticket.code });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'WRONG_EVENT', details: { ticket: { id: ticket.id, eventId, eventName: 'Door test' } } });
    expect((await ticketById(ticket.id)).state).toBe('VALID');
    expect((await checkin(staff.token, { eventId, code: ticket.code })).status).toBe(200);
  });

  test('forged and altered codes are refused with 400 INVALID_CODE and admit nothing', async () => {
    const ticket = await freshTicket();
    const body = ticket.code.slice(3);
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const { randomUUID } = await import('node:crypto');
    const forged = [
      `T1.${flip(body, 0)}`, // the ticket id altered
      `T1.${flip(body, 30)}`, // the event id altered
      `T1.${flip(body, 63)}`, // the tag altered
      ticketCodes('someone-else-s-secret-of-at-least-32-chars').sign({ ticketId: ticket.id, eventId }), // signed with another secret
      `T2.${body}`, // another version
      ticket.code.slice(0, -1), // truncated
      'not a ticket at all',
    ];
    for (const code of forged) {
      const res = await checkin(staff.token, { eventId, code });
      expect({ code, status: res.status, error: res.body.error?.code }).toEqual({ code, status: 400, error: 'INVALID_CODE' });
    }
    // well signed, but no such ticket (the secret is right; the ticket never existed)
    const orphan = ticketCodes(engine.config.TICKET_SIGNING_SECRET).sign({ ticketId: randomUUID(), eventId });
    expect((await checkin(staff.token, { eventId, code: orphan })).body.error.code).toBe('INVALID_CODE');
    expect((await ticketById(ticket.id)).state).toBe('VALID');
  });

  test('cancelled and transferred tickets are refused with TICKET_CANCELLED and TICKET_TRANSFERRED', async () => {
    // the booking cancelled and refunded by support; the ticket handed to another customer
    const cancelled = await freshTicket();
    const refund = await engine.request('POST', `/api/support/bookings/${cancelled.reference}/cancel`, { token: staff.token, body: { reason: 'door test' } });
    expect(refund.status).toBe(200);
    const transferred = await freshTicket();
    const recipient = await engine.register();
    const handed = await engine.request('POST', `/api/tickets/${transferred.id}/transfer`, { token: owner.token, body: { email: recipient.email } });
    expect(handed.status).toBe(200);

    const a = await checkin(staff.token, { eventId, code: cancelled.code });
    expect(a.status).toBe(409);
    expect(a.body.error).toMatchObject({ code: 'TICKET_CANCELLED', details: { ticket: { id: cancelled.id, state: 'CANCELLED' } } });
    const b = await checkin(staff.token, { eventId, code: transferred.code });
    expect(b.status).toBe(409);
    expect(b.body.error).toMatchObject({ code: 'TICKET_TRANSFERRED', details: { ticket: { id: transferred.id, state: 'TRANSFERRED' } } });
    expect((await ticketById(cancelled.id)).state).toBe('CANCELLED');
    expect((await ticketById(transferred.id)).checkedInAt).toBeNull();
  });

  test('check-in is for staff (the support role): a customer gets 403, an anonymous caller 401, a bad body 400', async () => {
    const ticket = await freshTicket();
    const customer = await checkin(owner.token, { eventId, code: ticket.code });
    expect(customer.status).toBe(403);
    expect(customer.body.error.code).toBe('FORBIDDEN');
    expect((await engine.request('POST', '/api/checkin', { body: { eventId, code: ticket.code } })).status).toBe(401);
    for (const bad of [{ eventId }, { eventId: 'x', code: ticket.code }, { eventId, code: ticket.code, extra: 1 }, { eventId, code: 'x'.repeat(201) }]) {
      const res = await checkin(staff.token, bad);
      expect({ bad, status: res.status, code: res.body.error.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await ticketById(ticket.id)).state).toBe('VALID');
  });
});

describe('the ticket rows of the README\'s endpoint-by-role table', () => {
  test('each ticket endpoint answers anonymous, owner, another customer and support as the table says', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const [owner, stranger, support] = [await engine.register(), await engine.register(), await engine.register('support')];
    const callers = { anonymous: undefined, owner: owner.token, stranger: stranger.token, support: support.token };
    const codes: string[] = [];
    for (const seat of seatIds.slice(0, 4)) {
      const { reference } = await book(owner, { eventId, seatIds: [seat] });
      codes.push((await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: owner.token })).body.tickets[0].code);
    }
    const [{ reference }] = (await engine.request('GET', '/api/bookings', { token: owner.token })).body.items;
    const table = [
      { route: 'GET /api/bookings/:reference/tickets', call: (token?: string) => engine.request('GET', `/api/bookings/${reference}/tickets`, { token }).then((r) => r.status),
        expect: { anonymous: 401, owner: 200, stranger: 404, support: 404 } },
      { route: 'GET /api/bookings/:reference/tickets.pdf', call: (token?: string) => pdfOf(token, reference).then((r) => r.status),
        expect: { anonymous: 401, owner: 200, stranger: 404, support: 404 } },
      // each call scans a ticket of its own, so a support 200 is an admission, not a repeat
      { route: 'POST /api/checkin', call: (token?: string) => engine.request('POST', '/api/checkin', { token, body: { eventId, code: codes.pop() } }).then((r) => r.status),
        expect: { anonymous: 401, owner: 403, stranger: 403, support: 200 } },
    ];
    for (const row of table) {
      for (const [who, token] of Object.entries(callers) as Array<[keyof typeof callers, string | undefined]>) {
        expect({ route: row.route, who, status: await row.call(token) }).toEqual({ route: row.route, who, status: row.expect[who] });
      }
    }
    // only support's scan admitted anything
    expect(await engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM tickets WHERE event_id = ${eventId} AND state = 'CHECKED_IN'
    `)).toBe(1);
  });
});
