import { z } from 'zod';
import { RESERVATION_STATES } from '../../workflows/messages.ts';

/**
 * Reservation statuses as they cross a boundary: PostgreSQL rows (src/db), the API's queries and
 * answers, the reconciler and starters, and the web client (types only). The list itself is
 * `RESERVATION_STATES` in workflows/messages.ts, because workflow code may import only its
 * siblings; nothing else spells the statuses out.
 */
export { RESERVATION_STATES };
export const ReservationStatus = z.enum(RESERVATION_STATES);
export type ReservationStatus = z.infer<typeof ReservationStatus>;
