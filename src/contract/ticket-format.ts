import type { TicketSeat } from './tickets.ts';

/**
 * How a ticket's place reads, on the PDF, at the door and in the web client: "Stalls · Row A ·
 * Seat 3", or "Floor · General admission · Floor #12". Types only imported, so the web client
 * can use it without bundling zod.
 */
export function seatLine(seat: TicketSeat): string {
  return seat.kind === 'RESERVED' && seat.row !== null
    ? `${seat.sectionName} · Row ${seat.row} · Seat ${seat.number}`
    : `${seat.sectionName} · General admission · ${seat.label}`;
}
