import { useMemo } from 'react';
import type { SeatIndex } from '../realtime';
import type { Seat, Section } from '../types';
import { GaSection } from './GaSection';
import { Legend } from './Legend';
import { PriceLegend } from './PriceLegend';
import { SeatSection } from './SeatSection';
import { isLargeVenue, SectionOverview } from './SectionOverview';
import { priceTiers, type PriceTier } from './seatView';

interface SeatMapProps {
  sections: readonly Section[];
  seats: SeatIndex;
  selected: ReadonlySet<string>;
  /** Seats in the customer's own active (HELD/PAYING) reservations. */
  mine: ReadonlySet<string>;
  /** Seats of the customer's own bookings. */
  bought: ReadonlySet<string>;
  interactive: boolean;
  /** Section id of a GA hold in flight. */
  holdingSectionId: string | null;
  onToggleSeat: (seat: Seat) => void;
  onHoldGa: (section: Section, quantity: number) => void;
}

function seatsBySection(seats: SeatIndex): Map<string, Seat[]> {
  const grouped = new Map<string, Seat[]>();
  for (const seat of seats.values()) {
    const list = grouped.get(seat.sectionId) ?? [];
    list.push(seat);
    grouped.set(seat.sectionId, list);
  }
  return grouped;
}

const NO_SEATS: readonly Seat[] = [];

/** The venue: a stage, then every section side by side; reserved sections as seat grids, GA by quantity. */
export function SeatMap(props: SeatMapProps) {
  const { sections, seats, selected, mine, bought, interactive, holdingSectionId, onToggleSeat, onHoldGa } = props;
  const grouped = useMemo(() => seatsBySection(seats), [seats]);
  const tiers = useMemo(() => priceTiers(sections), [sections]);
  const tierOf = useMemo(() => new Map(tiers.flatMap((tier) => tier.sections.map((s): [string, PriceTier] => [s.id, tier]))), [tiers]);

  return (
    <div className="seat-map" data-testid="seat-map">
      <div className="seat-map__legends">
        <Legend />
        <PriceLegend tiers={tiers} />
      </div>
      <p id="seat-map-help" className="seat-map__help">
        <span className="seat-map__help--pointer">
          Choose seats with a click, or use Tab to reach a section, the arrow keys to move between seats and Enter or Space
          to select.
        </span>
        <span className="seat-map__help--touch">Tap seats to choose them; tap again to let one go.</span>
      </p>
      {isLargeVenue(sections, seats.size) && (
        <SectionOverview
          sections={sections}
          seatsOf={(id) => grouped.get(id) ?? NO_SEATS}
          tierOf={(id) => tierOf.get(id)!}
          mine={mine}
          bought={bought}
        />
      )}
      <div className="stage" aria-hidden="true">
        Stage
      </div>
      <div className="seat-map__sections">
        {sections.map((section) =>
          section.kind === 'GA' ? (
            <GaSection
              key={section.id}
              section={section}
              tier={tierOf.get(section.id)!}
              places={grouped.get(section.id) ?? []}
              mine={mine}
              bought={bought}
              interactive={interactive}
              busy={holdingSectionId === section.id}
              onHold={(quantity) => onHoldGa(section, quantity)}
            />
          ) : (
            <SeatSection
              key={section.id}
              section={section}
              tier={tierOf.get(section.id)!}
              seats={grouped.get(section.id) ?? []}
              selected={selected}
              mine={mine}
              bought={bought}
              interactive={interactive}
              onToggle={onToggleSeat}
            />
          ),
        )}
      </div>
    </div>
  );
}
