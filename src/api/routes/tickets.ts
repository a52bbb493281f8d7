import Router from '@koa/router';
import { z } from 'zod';
import { BookingReference, CheckinRequest, TransferRequest } from '../../contract/tickets.ts';
import type { TicketService } from '../../tickets/service.ts';
import { type AppContext, type AppState, parse, requireRole } from '../middleware.ts';

const BookingParams = z.object({ reference: BookingReference });
export const TicketParams = z.object({ ticketId: z.string().uuid() });

/**
 * Tickets of a customer's own bookings (JSON and PDF), and check-in at the door. Check-in is for
 * staff: today that is the support role (there is no separate door-staff role yet).
 */
export function ticketRoutes(deps: { tickets: TicketService }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const signedIn = requireRole('customer', 'support');
  const staff = requireRole('support');

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
