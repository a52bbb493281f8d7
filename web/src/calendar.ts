import { escapeText, fold, utcDateTime } from '../../src/contract/ical.ts';
/**
 * A booking as an iCalendar file (RFC 5545), made in the browser: the engine has no calendar
 * endpoint, and the confirmation already has everything the entry needs.
 */
export interface CalendarEntry {
  /** The booking reference: with `host`, the entry's UID, so importing it again updates the same entry. */
  reference: string;
  eventName: string;
  /** ISO 8601 start of the event. */
  startsAt: string;
  venueName: string;
  seats: readonly string[];
  /** The site that made the entry (the UID's right-hand side). */
  host: string;
}

/** The event has no end time in the engine: the entry gives none (RFC 5545: it then ends when it starts). */
export function bookingCalendar(entry: CalendarEntry, now: Date = new Date()): string {
  const description = `Booking reference ${entry.reference}\nSeats: ${entry.seats.join(', ')}`;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Seatwise//Booking engine//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:booking-${entry.reference}@${entry.host}`,
    `DTSTAMP:${utcDateTime(now)}`,
    `DTSTART:${utcDateTime(new Date(entry.startsAt))}`,
    `SUMMARY:${escapeText(entry.eventName)}`,
    `LOCATION:${escapeText(entry.venueName)}`,
    `DESCRIPTION:${escapeText(description)}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}

// the same iCalendar pieces as the server's entry (one definition: src/contract/ical.ts)
export { escapeText, fold, utcDateTime } from '../../src/contract/ical.ts';
