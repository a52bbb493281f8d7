import { useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { compareRows } from '../format';
import type { Seat, Section } from '../types';
import { SectionHeader } from './SectionHeader';
import { type PriceTier, SEAT_GLYPH, seatAriaLabel, sectionTitle, seatView, tierClass } from './seatView';

interface SeatRow {
  row: string;
  seats: Seat[];
}

function buildRows(seats: readonly Seat[]): SeatRow[] {
  const byRow = new Map<string, Seat[]>();
  for (const seat of seats) {
    const row = seat.row ?? '';
    const list = byRow.get(row) ?? [];
    list.push(seat);
    byRow.set(row, list);
  }
  return [...byRow.entries()]
    .sort(([a], [b]) => compareRows(a, b))
    .map(([row, list]) => ({ row, seats: list.sort((a, b) => (a.number ?? 0) - (b.number ?? 0)) }));
}

/** Grid column of each seat so seat numbers line up across rows (aisles stay visible as gaps). */
function columnLayout(rows: SeatRow[]): { columns: number; columnOf: (seat: Seat, index: number) => number } {
  const numbers = rows.flatMap((r) => r.seats.map((s) => s.number)).filter((n): n is number => n !== null);
  const widest = Math.max(1, ...rows.map((r) => r.seats.length));
  if (numbers.length === 0) return { columns: widest, columnOf: (_seat, index) => index + 1 };
  const min = Math.min(...numbers);
  const span = Math.max(...numbers) - min + 1;
  if (span > widest * 3) return { columns: widest, columnOf: (_seat, index) => index + 1 };
  return { columns: span, columnOf: (seat, index) => (seat.number === null ? index + 1 : seat.number - min + 1) };
}

type Move = { dRow: number; dCol: number } | 'home' | 'end';

const KEY_MOVES: Record<string, Move> = {
  ArrowLeft: { dRow: 0, dCol: -1 },
  ArrowRight: { dRow: 0, dCol: 1 },
  ArrowUp: { dRow: -1, dCol: 0 },
  ArrowDown: { dRow: 1, dCol: 0 },
  Home: 'home',
  End: 'end',
};

function findTarget(rows: SeatRow[], seatId: string, move: Move): Seat | undefined {
  const r = rows.findIndex((row) => row.seats.some((s) => s.id === seatId));
  if (r < 0) return undefined;
  const row = rows[r].seats;
  const c = row.findIndex((s) => s.id === seatId);
  if (move === 'home') return row[0];
  if (move === 'end') return row[row.length - 1];
  if (move.dRow === 0) return row[c + move.dCol];
  const target = rows[r + move.dRow]?.seats;
  if (!target) return undefined;
  const number = row[c].number ?? c;
  let best: Seat | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  target.forEach((candidate, i) => {
    const distance = Math.abs((candidate.number ?? i) - number);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  });
  return best;
}

interface SeatSectionProps {
  section: Section;
  /** The section's price tier: its seats carry the tier's band. */
  tier: PriceTier;
  seats: readonly Seat[];
  selected: ReadonlySet<string>;
  mine: ReadonlySet<string>;
  bought: ReadonlySet<string>;
  interactive: boolean;
  onToggle: (seat: Seat) => void;
}

/** One reserved-seating section: rows labelled, seats as buttons, arrow keys move between seats. */
export function SeatSection({ section, tier, seats, selected, mine, bought, interactive, onToggle }: SeatSectionProps) {
  const rows = useMemo(() => buildRows(seats), [seats]);
  const { columns, columnOf } = useMemo(() => columnLayout(rows), [rows]);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const [activeId, setActiveId] = useState<string | null>(null);
  const focusableId = seats.some((s) => s.id === activeId) ? activeId : (rows[0]?.seats[0]?.id ?? null);
  const available = seats.filter((s) => s.state === 'AVAILABLE').length;
  const headingId = `section-${section.id}-title`;

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, seat: Seat) => {
    const move = KEY_MOVES[event.key];
    if (!move) return;
    event.preventDefault();
    const target = findTarget(rows, seat.id, move);
    if (!target) return;
    setActiveId(target.id);
    buttons.current.get(target.id)?.focus();
  };

  const gridStyle = { '--columns': columns } as CSSProperties;

  return (
    <section className={`map-section ${tierClass(tier)}`} aria-labelledby={headingId} data-section-id={section.id} tabIndex={-1} data-tier={tier.rank}>
      <SectionHeader section={section} tier={tier} headingId={headingId}>
        Reserved seating · {available} of {seats.length} available
      </SectionHeader>
      <div className="map-section__grid" role="group" aria-label={`${sectionTitle(section)} seats`} style={gridStyle}>
        {rows.map(({ row, seats: rowSeats }) => (
          <div key={row} className="seat-row" role="group" aria-label={row ? `Row ${row}` : 'Seats'}>
            <span className="seat-row__label" aria-hidden="true">
              {row}
            </span>
            {rowSeats.map((seat, index) => {
              const view = seatView(seat, selected, mine, bought);
              const selectable = interactive && (view === 'available' || view === 'selected');
              const label = seatAriaLabel(seat, section, view);
              return (
                <button
                  key={seat.id}
                  ref={(el) => {
                    if (el) buttons.current.set(seat.id, el);
                    else buttons.current.delete(seat.id);
                  }}
                  type="button"
                  className={`seat seat--${view} ${tierClass(tier)}`}
                  style={{ gridColumn: columnOf(seat, index) + 1 }}
                  data-seat-id={seat.id}
                  data-state={view}
                  data-tier={tier.rank}
                  aria-label={label}
                  title={label}
                  aria-pressed={view === 'selected'}
                  aria-disabled={selectable ? undefined : true}
                  tabIndex={seat.id === focusableId ? 0 : -1}
                  onFocus={() => setActiveId(seat.id)}
                  onKeyDown={(event) => onKeyDown(event, seat)}
                  onClick={() => selectable && onToggle(seat)}
                >
                  <span aria-hidden="true">{SEAT_GLYPH[view] ?? seat.number ?? seat.label}</span>
                </button>
              );
            })}
            <span className="seat-row__label seat-row__label--end" aria-hidden="true" style={{ gridColumn: columns + 2 }}>
              {row}
            </span>
          </div>
        ))}
      </div>
    </section>
  );
}
