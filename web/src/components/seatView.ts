import { formatMoney } from '../format';
import type { Seat, Section } from '../types';

/** What a seat looks like to this customer; also the value of the seat button's `data-state`. */
export type SeatView = 'available' | 'held' | 'yours' | 'sold' | 'selected';

export function seatView(seat: Seat, selected: ReadonlySet<string>, mine: ReadonlySet<string>): SeatView {
  if (seat.state === 'AVAILABLE') return selected.has(seat.id) ? 'selected' : 'available';
  if (mine.has(seat.id)) return 'yours';
  return seat.state === 'SOLD' ? 'sold' : 'held';
}

/** Marks that distinguish states without relying on colour (the seat number is shown otherwise). */
export const SEAT_GLYPH: Partial<Record<SeatView, string>> = {
  selected: '✓',
  yours: '★',
  sold: '✕',
};

export const VIEW_TEXT: Record<SeatView, string> = {
  available: 'available',
  selected: 'selected',
  yours: 'held by you',
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
