import { formatMoney } from '../format';
import type { Seat, Section } from '../types';

/** What a seat looks like to this customer; also the value of the seat button's `data-state`. */
export type SeatView = 'available' | 'held' | 'yours' | 'bought' | 'sold' | 'selected';

/**
 * `mine`: seats of the customer's live holds; `bought`: seats of their bookings. A sold seat of a
 * live hold of theirs is bought too: only that hold's payment can sell it, so the map shows it the
 * moment the seat update arrives, before the booking itself is read.
 */
export function seatView(seat: Seat, selected: ReadonlySet<string>, mine: ReadonlySet<string>, bought: ReadonlySet<string> = EMPTY): SeatView {
  if (seat.state === 'AVAILABLE') return selected.has(seat.id) ? 'selected' : 'available';
  if (seat.state === 'SOLD') return bought.has(seat.id) || mine.has(seat.id) ? 'bought' : 'sold';
  return mine.has(seat.id) ? 'yours' : 'held';
}
const EMPTY: ReadonlySet<string> = new Set();

/** Marks that distinguish states without relying on colour (the seat number is shown otherwise). */
export const SEAT_GLYPH: Partial<Record<SeatView, string>> = {
  selected: '✓',
  yours: '☆',
  bought: '★',
  sold: '✕',
};

export const VIEW_TEXT: Record<SeatView, string> = {
  available: 'available',
  selected: 'selected',
  yours: 'held by you',
  bought: 'yours, bought',
  held: 'held by another customer',
  sold: 'sold',
};

export function sectionTitle(section: Pick<Section, 'name'>): string {
  return /^section\b/i.test(section.name) ? section.name : `Section ${section.name}`;
}

/** e.g. "Section A, row C, seat 7, available, €45.00" */
export function seatAriaLabel(seat: Seat, section: Section, view: SeatView): string {
  const place = seat.row !== null && seat.number !== null ? `row ${seat.row}, seat ${seat.number}` : `seat ${seat.label}`;
  return `${sectionTitle(section)}, ${place}, ${VIEW_TEXT[view]}, ${formatMoney(section.priceCents)}`;
}

/** One price of the event: every section at that price, and the marks that show it on the map. */
export interface PriceTier {
  /** 1 for the dearest price, then down. */
  rank: number;
  priceCents: number;
  sections: Section[];
  /** The shape beside the price (text, not colour alone). */
  mark: string;
}

/** Shapes of the tiers, dearest first; beyond six the shapes (and colours, see styles.css) repeat, the price still tells them apart. */
const TIER_MARKS = ['●', '▲', '■', '◆', '▼', '⬟'];
export const TIER_PATTERNS = TIER_MARKS.length;

/** The event's price tiers, dearest first: sections of the same price share one tier. */
export function priceTiers(sections: readonly Section[]): PriceTier[] {
  const prices = [...new Set(sections.map((s) => s.priceCents))].sort((a, b) => b - a);
  return prices.map((priceCents, index) => ({
    rank: index + 1,
    priceCents,
    sections: sections.filter((s) => s.priceCents === priceCents),
    mark: TIER_MARKS[index % TIER_MARKS.length],
  }));
}

/** The class that gives a seat, a section or a swatch its tier's colour band (styles.css: .tier-1 … .tier-6). */
export function tierClass(tier: PriceTier): string {
  return `tier-${((tier.rank - 1) % TIER_PATTERNS) + 1}`;
}
