import { SEAT_GLYPH, type SeatView } from './seatView';

const ITEMS: { view: SeatView; label: string }[] = [
  { view: 'available', label: 'Available' },
  { view: 'selected', label: 'Selected' },
  { view: 'yours', label: 'Held by you' },
  { view: 'bought', label: 'Yours, bought' },
  { view: 'held', label: 'Held by others' },
  { view: 'sold', label: 'Sold' },
];

export function Legend() {
  return (
    <ul className="legend" aria-label="Seat map legend">
      {ITEMS.map(({ view, label }) => (
        <li key={view} className="legend__item" data-state={view}>
          <span className={`seat seat--${view} legend__swatch`} aria-hidden="true">
            {SEAT_GLYPH[view] ?? ''}
          </span>
          {label}
        </li>
      ))}
    </ul>
  );
}
