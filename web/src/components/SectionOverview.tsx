import type { Seat, Section } from '../types';
import { Money } from './Money';
import { TierMark } from './PriceLegend';
import { sectionTitle, tierClass, type PriceTier } from './seatView';

/** From this many sections, or this many seats and places, the seat map opens with an overview. */
export const OVERVIEW_MIN_SECTIONS = 4;
export const OVERVIEW_MIN_SEATS = 300;

export const isLargeVenue = (sections: readonly Section[], seatCount: number) =>
  sections.length >= OVERVIEW_MIN_SECTIONS || seatCount >= OVERVIEW_MIN_SEATS;

/**
 * The venue at a glance, above the map of a large venue: every section with its price tier, how
 * many of its seats are free now (live, from the same seats as the map) and how many are the
 * customer's. Choosing one brings its part of the map into view and moves the focus there.
 */
export function SectionOverview({ sections, seatsOf, tierOf, mine, bought }: {
  sections: readonly Section[];
  seatsOf: (sectionId: string) => readonly Seat[];
  tierOf: (sectionId: string) => PriceTier;
  mine: ReadonlySet<string>;
  bought: ReadonlySet<string>;
}) {
  const show = (section: Section) => {
    const target = document.querySelector<HTMLElement>(`[data-section-id="${section.id}"]`);
    if (!target) return;
    target.scrollIntoView({ behavior: 'smooth', block: 'start' });
    target.focus({ preventScroll: true });
  };
  return (
    <nav className="section-overview" aria-label="Sections of the venue" data-testid="section-overview">
      <ul className="section-overview__list">
        {sections.map((section) => {
          const seats = seatsOf(section.id);
          const free = seats.filter((s) => s.state === 'AVAILABLE').length;
          const yours = seats.filter((s) => mine.has(s.id) || bought.has(s.id)).length;
          const tier = tierOf(section.id);
          const share = seats.length > 0 ? free / seats.length : 0;
          return (
            <li key={section.id}>
              <button
                type="button"
                className={`section-overview__item ${tierClass(tier)}`}
                data-section-id={section.id}
                data-free={free}
                onClick={() => show(section)}
              >
                <span className="section-overview__name"><TierMark tier={tier} /> {sectionTitle(section)}</span>
                <Money cents={section.priceCents} className="section-overview__price" />
                <span className="section-overview__free">
                  {free === 0 ? 'Sold out' : `${free} of ${seats.length} free`}
                  {yours > 0 && <> · {yours} yours</>}
                </span>
                <span className="section-overview__bar" aria-hidden="true">
                  <span style={{ width: `${Math.round(share * 100)}%` }} />
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
