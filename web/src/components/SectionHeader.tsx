import type { ReactNode } from 'react';
import type { Section } from '../types';
import { Money } from './Money';
import { TierMark } from './PriceLegend';
import { sectionTitle, type PriceTier } from './seatView';

/** Title, price and availability line of one section of the seat map. */
export function SectionHeader({ section, tier, headingId, children }: { section: Section; tier: PriceTier; headingId: string; children: ReactNode }) {
  return (
    <header className="map-section__header">
      <h3 id={headingId} className="map-section__title">
        {sectionTitle(section)}
      </h3>
      <span className="map-section__price">
        <TierMark tier={tier} />
        <Money cents={section.priceCents} />
      </span>
      <span className="map-section__meta">{children}</span>
    </header>
  );
}
