/**
 * Ticket transfers against the real engine: bookings confirmed through the checkout workflow, a
 * transfer to another customer by email, and the door (POST /api/checkin) for the old and the new code.
 */
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { ticketCodes } from '../../src/tickets/codes.ts';
import { bookSeats, startTestEngine, type TestEngine } from '../helpers/engine.ts';

let engine: TestEngine;
// concurrent scans and transfers must reach PostgreSQL together, not queue for pooled connections
beforeAll(async () => { engine = await startTestEngine('ticket-transfers', { DATABASE_POOL_SIZE: '24', RATE_LIMIT_HOLDS_PER_MINUTE: '0' }); });
afterAll(async () => { await engine?.close(); });

type Customer = Awaited<ReturnType<TestEngine['register']>>;
type ApiTicket = { id: string; state: string; code: string; seat: { label: string } };

const book = (customer: Customer, eventId: string, seatIds: string[]) => bookSeats(engine, customer, eventId, seatIds);
const ticketsOf = async (customer: Customer, reference: string) =>
  (await engine.request('GET', `/api/bookings/${reference}/tickets`, { token: customer.token })).body.tickets as ApiTicket[];
const transfer = (customer: Customer, ticketId: string, email: string) =>
  engine.request('POST', `/api/tickets/${ticketId}/transfer`, { token: customer.token, body: { email } });
const checkin = (support: Customer, eventId: string, code: string) => engine.request('POST', '/api/checkin', { token: support.token, body: { eventId, code } });
const liveTicketsOfSeat = (seatId: string) => engine.db.pool.any(sql.type(z.object({ id: z.string(), state: z.string(), holderId: z.string().nullable() }))`
  SELECT id, state, holder_id AS "holderId" FROM tickets WHERE seat_id = ${seatId} AND state IN ('VALID', 'CHECKED_IN')
`);

describe('transferring a ticket to another customer', () => {
  test('the old code stops admitting (TICKET_TRANSFERRED), the recipient holds a new ticket with a new code that admits once', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const [sender, recipient, support] = [await engine.register(), await engine.register(), await engine.register('support')];
    const reference = await book(sender, eventId, seatIds.slice(0, 2));
    const [first, second] = await ticketsOf(sender, reference);

    const res = await transfer(sender, first.id, recipient.email.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ticketId: first.id, state: 'TRANSFERRED', recipientEmail: recipient.email });
    expect(JSON.stringify(res.body)).not.toMatch(/T1\./); // the sender never sees the new code

    // the sender: the old ticket reads TRANSFERRED, the other one is untouched, and no new code
    const senderView = await ticketsOf(sender, reference);
    expect(senderView.map((t) => [t.id, t.state])).toEqual([[first.id, 'TRANSFERRED'], [second.id, 'VALID']]);
    // the recipient: the booking's ticket they now hold, in /api/tickets and under the booking's reference
    const held = (await engine.request('GET', '/api/tickets', { token: recipient.token })).body.items as Array<{ booking: { reference: string }; ticket: ApiTicket }>;
    expect(held).toHaveLength(1);
    expect(held[0].booking.reference).toBe(reference);
    expect(held[0].ticket).toMatchObject({ state: 'VALID', seat: { label: first.seat.label } });
    expect(held[0].ticket.id).not.toBe(first.id);
    expect(held[0].ticket.code).not.toBe(first.code);
    expect(ticketCodes(engine.config.TICKET_SIGNING_SECRET).verify(held[0].ticket.code)).toEqual({ ticketId: held[0].ticket.id, eventId });
    expect((await ticketsOf(recipient, reference)).map((t) => t.id)).toEqual([held[0].ticket.id]);
    const pdf = await fetch(`${engine.url}/api/bookings/${reference}/tickets.pdf`, { headers: { authorization: `Bearer ${recipient.token}` } });
    expect(pdf.status).toBe(200);
    // one live ticket for the seat: the recipient's
    expect(await liveTicketsOfSeat(seatIds[0])).toEqual([{ id: held[0].ticket.id, state: 'VALID', holderId: recipient.customerId }]);

    // the door: the old code is refused as transferred, the new one admits once
    const old = await checkin(support, eventId, first.code);
    expect(old.status).toBe(409);
    expect(old.body.error.code).toBe('TICKET_TRANSFERRED');
    expect(old.body.error.details.ticket).toMatchObject({ id: first.id, state: 'TRANSFERRED' });
    expect((await checkin(support, eventId, held[0].ticket.code)).status).toBe(200);
    expect((await checkin(support, eventId, held[0].ticket.code)).body.error.code).toBe('ALREADY_CHECKED_IN');

    // the sender can no longer transfer it, nor cancel the booking themselves; a used ticket cannot be passed on
    const again = await transfer(sender, first.id, recipient.email);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TICKET_TRANSFERRED');
    const passOn = await transfer(recipient, held[0].ticket.id, sender.email);
    expect(passOn.status).toBe(409);
    expect(passOn.body.error.code).toBe('ALREADY_CHECKED_IN');
  });

  test('refusals are 4xx in the error shape and change nothing: unknown recipient, oneself, another\'s ticket, malformed input', async () => {
    const { eventId, seatIds } = await engine.createEvent();
    const [owner, stranger] = [await engine.register(), await engine.register()];
    const reference = await book(owner, eventId, seatIds.slice(0, 1));
    const [ticket] = await ticketsOf(owner, reference);
    const cases: Array<[Customer, string, unknown, number, string]> = [
      [owner, ticket.id, { email: 'nobody-here@example.com' }, 422, 'RECIPIENT_NOT_FOUND'],
      [owner, ticket.id, { email: owner.email }, 422, 'VALIDATION_FAILED'],
      [stranger, ticket.id, { email: stranger.email }, 404, 'NOT_FOUND'],
      [owner, ticket.id, { email: 'not an email' }, 400, 'VALIDATION_FAILED'],
      [owner, ticket.id, { email: stranger.email, extra: 1 }, 400, 'VALIDATION_FAILED'],
      [owner, 'not-a-uuid', { email: stranger.email }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [caller, id, body, status, code] of cases) {
      const res = await engine.request('POST', `/api/tickets/${id}/transfer`, { token: caller.token, body });
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status, code });
    }
    expect((await ticketsOf(owner, reference)).map((t) => [t.id, t.state])).toEqual([[ticket.id, 'VALID']]);
    expect((await engine.request('GET', '/api/tickets', { token: stranger.token })).body.items).toEqual([]);
  });

  test('a transfer racing 10 scans of the same ticket: exactly one of them wins, and the seat has one live ticket', async () => {
    const support = await engine.register('support');
    for (let round = 0; round < 3; round++) {
      const { eventId, seatIds } = await engine.createEvent();
      const [sender, recipient] = [await engine.register(), await engine.register()];
      const reference = await book(sender, eventId, seatIds.slice(0, 1));
      const [ticket] = await ticketsOf(sender, reference);
      const [moved, ...scans] = await Promise.all([
        transfer(sender, ticket.id, recipient.email),
        ...Array.from({ length: 10 }, () => checkin(support, eventId, ticket.code)),
      ]);
      const admitted = scans.filter((s) => s.status === 200);
      const live = await liveTicketsOfSeat(seatIds[0]);
      expect(live).toHaveLength(1);
      if (moved.status === 200) {
        // the transfer won: no scan of the old code admitted, each was told it was transferred
        expect(admitted).toHaveLength(0);
        expect(scans.every((s) => s.status === 409 && s.body.error.code === 'TICKET_TRANSFERRED')).toBe(true);
        expect(live[0]).toMatchObject({ state: 'VALID', holderId: recipient.customerId });
      } else {
        // a scan won: it admitted once, the other scans say so, and the transfer was refused
        expect(moved.status).toBe(409);
        expect(moved.body.error.code).toBe('ALREADY_CHECKED_IN');
        expect(admitted).toHaveLength(1);
        expect(scans.filter((s) => s.status === 409).every((s) => s.body.error.code === 'ALREADY_CHECKED_IN')).toBe(true);
        expect(live[0]).toMatchObject({ id: ticket.id, state: 'CHECKED_IN', holderId: null });
      }
    }
  });

  test('a booking with a ticket given away cannot be cancelled by its customer; support can, and the recipient\'s ticket is cancelled too', async () => {
    const { eventId, seatIds } = await engine.createEvent({ startsAt: new Date(Date.now() + 7 * 86_400_000) });
    const [sender, recipient, support] = [await engine.register(), await engine.register(), await engine.register('support')];
    const reference = await book(sender, eventId, seatIds.slice(0, 1));
    const [ticket] = await ticketsOf(sender, reference);
    expect((await transfer(sender, ticket.id, recipient.email)).status).toBe(200);
    const refused = await engine.request('POST', `/api/bookings/${reference}/cancel`, { token: sender.token, body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CANCELLATION_NOT_ALLOWED', details: { transferredTickets: 1 } });
    const cancelled = await engine.request('POST', `/api/support/bookings/${reference}/cancel`, { token: support.token, body: { reason: 'fraud' } });
    expect(cancelled.status).toBe(200);
    const held = (await engine.request('GET', '/api/tickets', { token: recipient.token })).body.items as Array<{ ticket: ApiTicket }>;
    expect(held.map((h) => h.ticket.state)).toEqual(['CANCELLED']);
    expect((await checkin(support, eventId, held[0].ticket.code)).body.error.code).toBe('TICKET_CANCELLED');
  });
});
