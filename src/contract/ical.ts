/**
 * The pieces of iCalendar (RFC 5545) that the engine's calendar entries share: the server's
 * (GET /api/bookings/:reference/calendar.ics, src/tickets/exports.ts) and the web client's
 * (web/src/calendar.ts, made in the browser). Pure functions, for Node and the browser alike.
 */

/** A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11). */
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
