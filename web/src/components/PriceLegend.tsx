import { Money } from './Money';
import { sectionTitle, tierClass, type PriceTier } from './seatView';

/** The tier's shape in its colour; screen readers hear the price instead (it is always beside it). */
export function TierMark({ tier }: { tier: PriceTier }) {
  return (
    <span className={`tier-mark ${tierClass(tier)}`} aria-hidden="true">
      {tier.mark}
    </span>
  );
}

/** Every price of the event once, with the mark and band its seats carry on the map. */
export function PriceLegend({ tiers }: { tiers: readonly PriceTier[] }) {
  return (
    <ul className="legend price-legend" aria-label="Prices" data-testid="price-legend">
      {tiers.map((tier) => (
        <li key={tier.rank} className="legend__item" data-tier={tier.rank} data-price-cents={tier.priceCents}>
          <span className={`seat seat--available legend__swatch ${tierClass(tier)}`} aria-hidden="true" />
          <TierMark tier={tier} />
          <Money cents={tier.priceCents} className="price-legend__price" />
          <span className="muted">{tier.sections.map(sectionTitle).join(', ')}</span>
        </li>
      ))}
    </ul>
  );
}
