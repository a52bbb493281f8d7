import { SectionHeader } from './SectionHeader';
import { useId, useState, type FormEvent } from 'react';
import { pluralize } from '../format';
import type { Seat, Section } from '../types';
import { seatView, tierClass, type PriceTier } from './seatView';

const NONE: ReadonlySet<string> = new Set();

/** The most tickets offered in one hold (the server enforces its own limit too). */
export const MAX_TICKETS_PER_HOLD = 10;

interface GaSectionProps {
  section: Section;
  tier: PriceTier;
  /** The section's places, with live states. */
  places: readonly Seat[];
  mine: ReadonlySet<string>;
  bought: ReadonlySet<string>;
  interactive: boolean;
  busy: boolean;
  onHold: (quantity: number) => void;
}

/** General admission: no map, the customer picks a quantity. */
export function GaSection({ section, tier, places, mine, bought, interactive, busy, onHold }: GaSectionProps) {
  const inputId = useId();
  const [quantity, setQuantity] = useState(1);
  const available = places.filter((p) => p.state === 'AVAILABLE').length;
  const yours = places.filter((p) => seatView(p, NONE, mine, bought) === 'yours').length;
  const owned = places.filter((p) => seatView(p, NONE, mine, bought) === 'bought').length;
  const max = Math.min(available, MAX_TICKETS_PER_HOLD);
  const count = Math.min(Math.max(1, quantity), Math.max(1, max));
  const headingId = `section-${section.id}-title`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (max > 0) onHold(count);
  };

  return (
    <section className={`map-section map-section--ga ${tierClass(tier)}`} aria-labelledby={headingId} data-section-id={section.id} tabIndex={-1} data-tier={tier.rank}>
      <SectionHeader section={section} tier={tier} headingId={headingId}>
        General admission · <span data-testid="ga-available">{available}</span> of {places.length || section.capacity}{' '}
        available
      </SectionHeader>
      {yours > 0 && <p className="ga__yours">You are holding {pluralize(yours, 'ticket')} here.</p>}
      {owned > 0 && (
        <p className="ga__yours ga__bought" data-testid="ga-bought">
          <span aria-hidden="true">★ </span>You have bought {pluralize(owned, 'ticket')} here.
        </p>
      )}
      {available === 0 ? (
        <p className="ga__soldout">Sold out</p>
      ) : (
        <form className="ga__form" onSubmit={submit}>
          <label htmlFor={inputId} className="field__label">
            Tickets
          </label>
          <input
            id={inputId}
            className="input ga__quantity"
            type="number"
            inputMode="numeric"
            min={1}
            max={max}
            value={quantity}
            onChange={(e) => setQuantity(Number.parseInt(e.target.value, 10) || 1)}
            disabled={!interactive}
          />
          <button type="submit" className="btn btn--primary" disabled={!interactive || busy}>
            {busy ? 'Holding…' : `Hold ${pluralize(count, 'ticket')}`}
          </button>
        </form>
      )}
    </section>
  );
}
