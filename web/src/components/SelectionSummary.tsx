import { formatMoney, pluralize } from '../format';
import type { Seat, Section } from '../types';
import { Money } from './Money';
import { sectionTitle } from './seatView';

interface HoldActionProps {
  seats: readonly Seat[];
  sections: ReadonlyMap<string, Section>;
  busy: boolean;
  disabled: boolean;
  onHold: () => void;
}

interface SelectionSummaryProps extends HoldActionProps {
  loggedIn: boolean;
  onRemove: (seat: Seat) => void;
  onClear: () => void;
}

export function SelectionSummary({ seats, sections, busy, disabled, loggedIn, onRemove, onClear, onHold }: SelectionSummaryProps) {
  return (
    <section className="card summary" aria-labelledby="summary-title" data-testid="selection-summary">
      <h2 id="summary-title" className="summary__title">
        Your selection
      </h2>
      {seats.length === 0 ? (
        <p className="muted">No seats selected yet. Pick seats on the map.</p>
      ) : (
        <ul className="summary__list">
          {seats.map((seat) => {
            const section = sections.get(seat.sectionId);
            return (
              <li key={seat.id} className="summary__item">
                <span>
                  <strong>{seat.label}</strong>
                  {section && <span className="muted"> · {sectionTitle(section)}</span>}
                </span>
                <span className="summary__price">{section ? formatMoney(section.priceCents) : ''}</span>
                <button
                  type="button"
                  className="icon-btn"
                  onClick={() => onRemove(seat)}
                  aria-label={`Remove seat ${seat.label}`}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="summary__actions">
        <SelectionTotal seats={seats} sections={sections} />
        <HoldButton seats={seats} busy={busy} disabled={disabled} onHold={onHold} />
      </div>
      {!loggedIn && seats.length > 0 && <p className="summary__hint">You will be asked to log in first.</p>}
      {seats.length > 0 && (
        <button type="button" className="btn btn--ghost btn--block" onClick={onClear} disabled={busy}>
          Clear selection
        </button>
      )}
    </section>
  );
}

/**
 * The total and the Hold button in a bar stuck to the bottom of narrow screens, so they stay in
 * reach below a long seat map (styles.css shows it instead of the summary's own under 900 px).
 */
export function SelectionBar(props: HoldActionProps) {
  if (props.seats.length === 0) return null;
  return (
    <div className="selection-bar" data-testid="selection-bar">
      <SelectionTotal seats={props.seats} sections={props.sections} />
      <HoldButton seats={props.seats} busy={props.busy} disabled={props.disabled} onHold={props.onHold} />
    </div>
  );
}

/** "Total (2 seats) €90.00"; no total at all until a seat is chosen. */
function SelectionTotal({ seats, sections }: Pick<HoldActionProps, 'seats' | 'sections'>) {
  if (seats.length === 0) {
    return (
      <p className="summary__total summary__total--empty" data-testid="selection-total">
        Pick seats to see the total
      </p>
    );
  }
  const total = seats.reduce((sum, seat) => sum + (sections.get(seat.sectionId)?.priceCents ?? 0), 0);
  return (
    <div className="summary__total" data-testid="selection-total">
      <span>Total ({pluralize(seats.length, 'seat')})</span>
      <Money cents={total} className="summary__amount" />
    </div>
  );
}

function HoldButton({ seats, busy, disabled, onHold }: Pick<HoldActionProps, 'seats' | 'busy' | 'disabled' | 'onHold'>) {
  return (
    <button type="button" className="btn btn--primary btn--block" disabled={seats.length === 0 || busy || disabled} onClick={onHold}>
      {busy ? 'Holding seats…' : 'Hold seats'}
    </button>
  );
}
