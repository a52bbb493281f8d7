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

/** TEXT values: backslash, semicolon and comma escaped, line breaks as \n (RFC 5545 3.3.11). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** 2026-12-03T19:30:00.000Z → 20261203T193000Z (a UTC DATE-TIME). */
export function utcDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

const encoder = new TextEncoder();

/** Lines of at most 75 octets; a longer one continues on lines that start with a space (RFC 5545 3.1), never inside a character. */
export function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
