/** The CSV and iCalendar writers alone (src/tickets/exports.ts): quoting, formula guards, escaping, folding. */
import { bookingCalendar, csvDocument, csvLine } from '../../src/tickets/exports.ts';

describe('CSV (RFC 4180)', () => {
  test('quotes fields with commas, quotes and line breaks, doubling quotes; nulls are empty', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 42])).toBe('plain,"a,b","say ""hi""","two\nlines",,42');
  });

  test('text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers', () => {
    expect(csvLine(['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', '\tx', -5])).toBe(`"'=HYPERLINK(""http://x"")",'+1,'-2,'@SUM(A1),'\tx,-5`);
  });

  test('a document is the header and rows with CRLF line ends, ending with one', () => {
    expect(csvDocument(['a', 'b'], [[1, 'x'], [2, null]])).toBe('a,b\r\n1,x\r\n2,\r\n');
  });
});

describe('iCalendar (RFC 5545)', () => {
  const booking = {
    bookingId: '7b0c1c1e-0000-4000-8000-000000000001', reference: 'AB12-CD34', status: 'CONFIRMED',
    eventName: 'Strings; commas, and \\ backslashes', startsAt: '2027-03-05T19:30:00.000Z', venueName: 'Test Hall',
    seats: ['Stalls A1', 'Stalls A2'],
  };

  test('one VEVENT with the booking as UID, the start in UTC, escaped text and CRLF line ends', () => {
    const ics = bookingCalendar(booking, new Date('2026-12-02T00:00:00Z'));
    const lines = ics.replace(/\r\n /g, '').split('\r\n');
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\n/);
    expect(lines).toEqual(expect.arrayContaining([
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', `UID:booking-${booking.bookingId}@seatwise`, 'DTSTAMP:20261202T000000Z',
      'DTSTART:20270305T193000Z', 'SUMMARY:Strings\\; commas\\, and \\\\ backslashes', 'LOCATION:Test Hall',
      'DESCRIPTION:Booking reference AB12-CD34\\nStalls A1\\nStalls A2', 'STATUS:CONFIRMED', 'SEQUENCE:0', 'END:VEVENT', 'END:VCALENDAR',
    ]));
    expect(lines.some((l) => l.startsWith('DTEND'))).toBe(false);
  });

  test('a refunded booking is published as cancelled, superseding the booked entry', () => {
    const lines = bookingCalendar({ ...booking, status: 'REFUNDED' }).replace(/\r\n /g, '').split('\r\n');
    expect(lines).toEqual(expect.arrayContaining(['STATUS:CANCELLED', 'SEQUENCE:1', `SUMMARY:Cancelled: ${'Strings\\; commas\\, and \\\\ backslashes'}`]));
  });

  test('lines over 75 octets are folded without splitting a UTF-8 character', () => {
    const ics = bookingCalendar({ ...booking, eventName: 'Ünïcödé '.repeat(30) });
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '').split('\r\n').find((l) => l.startsWith('SUMMARY:'))!;
    expect(unfolded).toBe(`SUMMARY:${'Ünïcödé '.repeat(30)}`);
  });
});
