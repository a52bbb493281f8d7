/**
 * The confirmation's calendar entry (web/src/calendar.ts): an iCalendar file that calendar
 * programs accept, with the booking's event in UTC and its text escaped and folded.
 */
import { bookingCalendar, escapeText, fold, utcDateTime } from '../../web/src/calendar.ts';

const entry = {
  reference: 'AB12-CD34',
  eventName: 'Bach, Brahms; and \\ more',
  startsAt: '2026-12-03T19:30:00.000Z',
  venueName: 'Hall 1, Dublin',
  seats: ['Stalls A1', 'Stalls A2'],
  host: 'tickets.example.com',
};

describe('the booking calendar file', () => {
  test('is one VEVENT in a VCALENDAR with a stable UID, DTSTAMP and the start in UTC, in CRLF lines', () => {
    const ics = bookingCalendar(entry, new Date('2026-12-01T08:05:09.123Z'));
    const lines = ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('VERSION:2.0');
    expect(lines).toContain('BEGIN:VEVENT');
    expect(lines).toContain('UID:booking-AB12-CD34@tickets.example.com');
    expect(lines).toContain('DTSTAMP:20261201T080509Z');
    expect(lines).toContain('DTSTART:20261203T193000Z');
    expect(lines.at(-2)).toBe('END:VCALENDAR');
    expect(lines.at(-1)).toBe('');
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  test('escapes commas, semicolons, backslashes and line breaks in text', () => {
    const ics = bookingCalendar(entry);
    expect(ics).toContain('SUMMARY:Bach\\, Brahms\\; and \\\\ more\r\n');
    expect(ics).toContain('LOCATION:Hall 1\\, Dublin\r\n');
    expect(ics).toContain('DESCRIPTION:Booking reference AB12-CD34\\nSeats: Stalls A1\\, Stalls A2\r\n');
    expect(escapeText('a\r\nb\nc')).toBe('a\\nb\\nc');
  });

  test('folds lines longer than 75 octets without splitting a character, and unfolding restores them', () => {
    const long = `SUMMARY:${'Ä'.repeat(100)}`;
    const folded = fold(long);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
    expect(parts.slice(1).every((p) => p.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    expect(fold('SHORT:line')).toBe('SHORT:line');
  });

  test('writes UTC date-times without separators or milliseconds', () => {
    expect(utcDateTime(new Date('2027-01-02T03:04:05.678Z'))).toBe('20270102T030405Z');
  });
});
