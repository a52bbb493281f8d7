import type { EventSummary } from './types';

const euro = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

/** Formats integer cents as euros; zero is "Free". */
export function formatMoney(cents: number): string {
  return cents === 0 ? 'Free' : euro.format(cents / 100);
}

/** "Free", "€25.00", "From €25.00" or "Free – €40.00" for an event's price range. */
export function formatPriceRange(min: number | null, max: number | null): string {
  if (min === null || max === null) return 'Price to be announced';
  if (max === 0) return 'Free';
  if (min === max) return formatMoney(min);
  if (min === 0) return `Free – ${formatMoney(max)}`;
  return `From ${formatMoney(min)}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const longDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : time.format(date);
}

export function formatLongDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : longDate.format(date);
}

/** mm:ss for a number of whole seconds. */
export function formatClock(totalSeconds: number): string {
  const seconds = Math.max(0, totalSeconds);
  const mm = Math.floor(seconds / 60);
  const ss = seconds % 60;
  return `${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

/** Parses a euro amount typed by a person ("25", "25.50", "25,5") into cents. */
export function eurosToCents(input: string): number | undefined {
  const normalised = input.trim().replace(',', '.');
  if (!normalised) return undefined;
  const value = Number(normalised);
  return Number.isFinite(value) && value >= 0 ? Math.round(value * 100) : undefined;
}

export function centsToEuros(cents: number | undefined): string {
  return cents === undefined ? '' : String(cents / 100);
}

/** Seat ordering: rows "A".."Z","AA".. and numeric rows in natural order. */
export function compareRows(a: string, b: string): number {
  return a.length - b.length || a.localeCompare(b, undefined, { numeric: true });
}

export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** A ratio (0 to 1) as a percentage with one decimal ("12.5 %"). */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10} %`;
}

const utcDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A UTC day (YYYY-MM-DD) as people read it ("2 Dec 2026"). */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : utcDay.format(date);
}

/** The sale window as the event's workflow follows it, in one phrase ("opens …, closes …"), or when the event was cancelled. */
export function saleWindow(event: Pick<EventSummary, 'status' | 'cancelledAt' | 'salesStartAt' | 'salesEndAt'>): string {
  if (event.status === 'CANCELLED') return event.cancelledAt ? `Cancelled ${formatDateTime(event.cancelledAt)}` : 'Cancelled';
  const opens = event.salesStartAt ? `opens ${formatDateTime(event.salesStartAt)}` : event.status === 'DRAFT' ? 'opens when published' : 'open';
  const closes = event.salesEndAt ? `closes ${formatDateTime(event.salesEndAt)}` : 'until the start';
  return `${opens}, ${closes}`;
}
