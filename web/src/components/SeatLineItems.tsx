import { formatMoney } from '../format';
import type { Reservation } from '../types';
import { Money } from './Money';
import { sectionTitle } from './seatView';

/** Every line of the price: each seat with its price, the fees (the engine charges none), and the total (checkout and confirmation). */
export function SeatLineItems({ seats, totalLabel, totalCents }: { seats: Reservation['seats']; totalLabel: string; totalCents: number }) {
  return (
    <>
      <ul className="line-items">
        {seats.map((seat) => (
          <li key={seat.id} className="line-items__item" data-testid="seat-line">
            <span>
              <strong>{seat.label}</strong> <span className="muted">· {sectionTitle({ name: seat.sectionName })}</span>
            </span>
            <span>{formatMoney(seat.priceCents)}</span>
          </li>
        ))}
        <li className="line-items__item line-items__fees" data-testid="fees-line">
          <span>Booking and service fees</span>
          <span>None</span>
        </li>
      </ul>
      <div className="line-items__total">
        <span>{totalLabel}</span>
        <Money cents={totalCents} className="line-items__amount" />
      </div>
    </>
  );
}
