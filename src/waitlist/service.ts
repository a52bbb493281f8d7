import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { Principal } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { JoinWaitlistBody, WaitlistEntry } from '../contract/waitlist.ts';
import { customerEntries, eventWaitlist, joinWaitlist, leaveWaitlist, readEntry } from '../db/waitlist.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ReservationService } from '../reservations/service.ts';

/**
 * The customer's side of a waitlist: join a sold-out section's line, leave it (declining an open
 * offer: its hold is cancelled like any hold, so the seats pass on), read one's entries. Serving
 * the line is the waitlist workflow's job (workflows/waitlist.ts); staff read an event's lines.
 */
export function createWaitlistService(deps: { pool: DatabasePool; reservations: ReservationService; config: Pick<Config, 'HOLD_MAX_SEATS'>; log: Logger }) {
  const { pool, reservations, config, log } = deps;
  return {
    async join(principal: Principal, where: { eventId: string; sectionId: string }, body: JoinWaitlistBody): Promise<{ entry: WaitlistEntry; created: boolean }> {
      if (body.quantity > config.HOLD_MAX_SEATS) {
        throw new AppError(400, 'VALIDATION_FAILED', `quantity: at most ${config.HOLD_MAX_SEATS} seats can be offered together`, { issues: [{ path: 'quantity', message: `must be at most ${config.HOLD_MAX_SEATS}` }] });
      }
      const joined = await joinWaitlist(pool, { entryId: randomUUID(), customerId: principal.customerId, ...where, quantity: body.quantity });
      switch (joined.outcome) {
        case 'JOINED':
        case 'ALREADY_JOINED':
          return { entry: await readEntry(pool, joined.entryId), created: joined.outcome === 'JOINED' };
        case 'SECTION_NOT_FOUND':
          throw notFound('Section', where.sectionId);
        case 'NOT_ON_SALE':
          throw new AppError(409, 'EVENT_NOT_ON_SALE', `event ${where.eventId} is ${joined.status}`, { status: joined.status });
        case 'SEATS_AVAILABLE':
          throw new AppError(409, 'SEATS_AVAILABLE', `${joined.available} seat(s) of this section are free: hold them instead of waiting`, { available: joined.available, requested: body.quantity });
      }
    },

    async leave(principal: Principal, where: { eventId: string; sectionId: string }): Promise<WaitlistEntry> {
      const left = await leaveWaitlist(pool, { customerId: principal.customerId, ...where });
      if (!left) throw new AppError(404, 'NOT_FOUND', `you are not on the waitlist of section ${where.sectionId}`, where);
      if (left.openOffer) {
        // declining the offer: the hold ends like any cancelled hold, and its seats pass to the next in line
        await reservations.cancel(principal, left.openOffer, 'left the waitlist').catch((error: unknown) => {
          // already over (expired, paid) meanwhile: nothing to decline
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          log.info({ reservationId: left.openOffer, code: error.code }, 'the offer of a customer leaving the waitlist was already over');
        });
      }
      return readEntry(pool, left.entryId);
    },

    mine: (principal: Principal) => customerEntries(pool, principal.customerId),

    async ofEvent(eventId: string, audience: { organizerId: string } | { staff: true }) {
      const items = await eventWaitlist(pool, eventId, audience);
      if (!items) throw notFound('Event', eventId);
      return { eventId, items: [...items] };
    },
  };
}
export type WaitlistService = ReturnType<typeof createWaitlistService>;
