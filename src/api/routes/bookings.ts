import Router from '@koa/router';
import { z } from 'zod';
import type { BookingService } from '../../bookings/service.ts';
import { CancelBookingBody, SupportCancelBookingBody } from '../../contract/bookings.ts';
import { BookingReference } from '../../contract/tickets.ts';
import { AppError } from '../../errors.ts';
import { type AppContext, type AppState, parse, requireSignedIn, requireStaff } from '../middleware.ts';

export const BookingParams = z.object({ reference: BookingReference });

/**
 * After the sale: a customer cancels their own booking (within the event's policy), support
 * cancels any (at any time, saying why). Both are refunded by the booking's refund workflow: 200
 * when the refund is done, 202 while it is under way; a repeated request answers the same.
 */
export function bookingRoutes(deps: { bookings?: BookingService }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const signedIn = requireSignedIn();
  const support = requireStaff();
  const bookings = () => {
    if (!deps.bookings) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'bookings cannot be cancelled by this process');
    return deps.bookings;
  };

  router.post('/bookings/:reference/cancel', signedIn, async (ctx) => {
    const { reference } = parse(BookingParams, ctx.params, 'params');
    const { reason } = parse(CancelBookingBody, ctx.request.body, 'body');
    const answer = await bookings().cancelOwn(ctx.state.principal!, reference, reason);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = answer.status;
    ctx.body = answer.body;
  });

  router.post('/support/bookings/:reference/cancel', support, async (ctx) => {
    const { reference } = parse(BookingParams, ctx.params, 'params');
    const { reason } = parse(SupportCancelBookingBody, ctx.request.body, 'body');
    const answer = await bookings().cancelAny(ctx.state.principal!, reference, reason);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = answer.status;
    ctx.body = answer.body;
  });
  return router;
}
