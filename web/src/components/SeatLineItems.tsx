import { formatMoney } from '../format';
import type { Reservation } from '../types';
import { Money } from './Money';
import { sectionTitle } from './seatView';

/** The seats of a reservation with their prices, and the total (checkout and confirmation). */
export function SeatLineItems({ seats, totalLabel, totalCents }: { seats: Reservation['seats']; totalLabel: string; totalCents: number }) {
  return (
    <>
      <ul className="line-items">
        {seats.map((seat) => (
          <li key={seat.id} className="line-items__item">
            <span>
              <strong>{seat.label}</strong> <span className="muted">· {sectionTitle({ name: seat.sectionName })}</span>
            </span>
            <span>{formatMoney(seat.priceCents)}</span>
          </li>
        ))}
      </ul>
      <div className="line-items__total">
        <span>{totalLabel}</span>
        <Money cents={totalCents} className="line-items__amount" />
      </div>
    </>
  );
}
