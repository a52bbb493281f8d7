/**
 * Plain-text exports after the sale: CSV (RFC 4180) of an event's bookings and attendees for
 * support, and an iCalendar entry (RFC 5545) for a booking. Pure functions of their rows, so they
 * are unit-tested alone (tests/unit/exports.test.ts) and the routes only fetch and answer.
 */
import { escapeText, fold, utcDateTime } from '../contract/ical.ts';

/**
 * One CSV line: fields quoted when they hold a comma, quote or line break (quotes doubled); a
 * field that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a
 * leading apostrophe, so a customer's name like `=HYPERLINK(...)` stays text.
 */
export function csvLine(fields: ReadonlyArray<string | number | null>): string {
  return fields.map((value) => {
    if (value === null) return '';
    let text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }).join(',');
}

/** A whole CSV document: header and rows, CRLF line ends (RFC 4180), ending with one. */
export function csvDocument(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return [header, ...rows].map(csvLine).join('\r\n') + '\r\n';
}

export interface CalendarBooking {
  bookingId: string;
  reference: string;
  /** REFUNDED bookings are published as STATUS:CANCELLED, so a calendar that imported the entry can drop it. */
  status: string;
  eventName: string;
  startsAt: string;
  venueName: string;
  seats: string[];
}

/** RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped. */
/**
 * The booking as one VEVENT. Events carry a start instant but no end, so the entry has a DTSTART
 * and no DTEND (RFC 5545: it then ends when it starts): nothing is invented. The UID is the
 * booking's, so re-importing updates the same entry: the cancelled version (SEQUENCE 1) supersedes the booked one (0).
 */
export function bookingCalendar(booking: CalendarBooking, now = new Date()): string {
  const cancelled = booking.status === 'REFUNDED';
  const description = [`Booking reference ${booking.reference}`, ...booking.seats].join('\n');
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Seatwise//Booking engine//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:booking-${booking.bookingId}@seatwise`,
    `DTSTAMP:${utcDateTime(now)}`,
    `DTSTART:${utcDateTime(new Date(booking.startsAt))}`,
    `SEQUENCE:${cancelled ? 1 : 0}`,
    `SUMMARY:${escapeText(cancelled ? `Cancelled: ${booking.eventName}` : booking.eventName)}`,
    `LOCATION:${escapeText(booking.venueName)}`,
    `DESCRIPTION:${escapeText(description)}`,
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
