import Router from '@koa/router';
import { z } from 'zod';
import { BookingReference, CheckinRequest, TransferRequest } from '../../contract/tickets.ts';
import type { TicketService } from '../../tickets/service.ts';
import { type AppContext, type AppState, parse, requireRole, requireSignedIn, requireStaff } from '../middleware.ts';
import { EventParams } from './events.ts';

const BookingParams = z.object({ reference: BookingReference });
export const TicketParams = z.object({ ticketId: z.string().uuid() });

/**
 * Tickets of a customer's own bookings (JSON and PDF), and check-in at the door. Check-in is for
 * staff: the support and admin roles (there is no separate door-staff role yet).
 */
export function ticketRoutes(deps: { tickets: TicketService }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const signedIn = requireSignedIn();
  const staff = requireStaff();

  router.get('/bookings/:reference/tickets', signedIn, async (ctx) => {
    const { reference } = parse(BookingParams, ctx.params, 'params');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.tickets.forBooking(ctx.state.principal!, reference);
  });

  router.get('/bookings/:reference/tickets.pdf', signedIn, async (ctx) => {
    const { reference } = parse(BookingParams, ctx.params, 'params');
    const pdf = await deps.tickets.pdf(ctx.state.principal!, reference);
    // whoever holds the file holds the tickets: no shared cache may keep it
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="tickets-${reference}.pdf"`);
    ctx.type = 'application/pdf';
    ctx.body = pdf;
  });

  router.get('/bookings/:reference/calendar.ics', signedIn, async (ctx) => {
    const { reference } = parse(BookingParams, ctx.params, 'params');
    const ics = await deps.tickets.calendar(ctx.state.principal!, reference);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="booking-${reference}.ics"`);
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.body = ics;
  });

  // support: the bookings and attendees of an event (an organizer role will share it once it exists)
  router.get('/support/events/:eventId/attendees.csv', staff, async (ctx) => {
    const { eventId } = parse(EventParams, ctx.params, 'params');
    const csv = await deps.tickets.attendeesCsv(eventId);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="attendees-${eventId}.csv"`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = csv;
  });

  router.get('/tickets', signedIn, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { items: await deps.tickets.held(ctx.state.principal!) };
  });

  router.post('/tickets/:ticketId/transfer', signedIn, async (ctx) => {
    const { ticketId } = parse(TicketParams, ctx.params, 'params');
    const request = parse(TransferRequest, ctx.request.body, 'body');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.tickets.transfer(ctx.state.principal!, ticketId, request);
  });

  router.post('/checkin', staff, async (ctx) => {
    const request = parse(CheckinRequest, ctx.request.body, 'body');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.tickets.checkIn(ctx.state.principal!, request);
  });
  return router;
}
