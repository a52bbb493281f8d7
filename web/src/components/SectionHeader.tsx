import type { ReactNode } from 'react';
import type { Section } from '../types';
import { Money } from './Money';
import { sectionTitle } from './seatView';

/** Title, price and availability line of one section of the seat map. */
export function SectionHeader({ section, headingId, children }: { section: Section; headingId: string; children: ReactNode }) {
  return (
    <header className="map-section__header">
      <h3 id={headingId} className="map-section__title">
        {sectionTitle(section)}
      </h3>
      <Money cents={section.priceCents} className="map-section__price" />
      <span className="map-section__meta">{children}</span>
    </header>
  );
}
