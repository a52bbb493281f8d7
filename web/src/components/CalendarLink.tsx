import { useEffect, useMemo } from 'react';
import { bookingCalendar, type CalendarEntry } from '../calendar';

/** "Add to calendar": the booking as an .ics file, a Blob made here (no request). */
export function CalendarLink({ entry }: { entry: Omit<CalendarEntry, 'host'> }) {
  const { reference, eventName, startsAt, venueName } = entry;
  const seatList = entry.seats.join('\n'); // by value: a new array of the same seats makes no new file
  const url = useMemo(() => {
    const seats = seatList ? seatList.split('\n') : [];
    const ics = bookingCalendar({ reference, eventName, startsAt, venueName, seats, host: window.location.hostname || 'localhost' });
    return URL.createObjectURL(new Blob([ics], { type: 'text/calendar;charset=utf-8' }));
  }, [reference, eventName, startsAt, venueName, seatList]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <a href={url} download={`booking-${reference}.ics`} className="btn btn--secondary" data-testid="calendar-link">
      Add to calendar (.ics)
    </a>
  );
}
