import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, type EventQuery } from '../api';
import { EventCard } from '../components/EventCard';
import { EmptyState, ErrorAlert, Loading } from '../components/Feedback';
import { Field } from '../components/Field';
import { Pagination } from '../components/Pagination';
import { centsToEuros, eurosToCents } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { EventStatus } from '../types';

const PAGE_SIZE = 12;
/** How many featured events the strip shows (admins order them: PUT /api/admin/events/:eventId/featured). */
const FEATURED_COUNT = 6;
const STATUSES: { value: EventStatus | ''; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'UPCOMING', label: 'Upcoming' },
  { value: 'ON_SALE', label: 'On sale' },
  { value: 'SOLD_OUT', label: 'Sold out' },
  { value: 'CLOSED', label: 'Sales closed' },
  { value: 'COMPLETED', label: 'Completed' },
  { value: 'CANCELLED', label: 'Cancelled' },
];

/** Filters as kept in the URL (dates as YYYY-MM-DD, prices in cents), so searches can be shared and go back. */
interface Filters {
  q: string;
  from: string;
  to: string;
  available: boolean;
  minPrice: string;
  maxPrice: string;
  status: EventStatus | '';
}

function readFilters(params: URLSearchParams): Filters {
  return {
    q: params.get('q') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    available: params.get('available') === 'true',
    minPrice: centsToEuros(parseCents(params.get('minPrice'))),
    maxPrice: centsToEuros(parseCents(params.get('maxPrice'))),
    status: (params.get('status') as EventStatus | null) ?? '',
  };
}

function parseCents(value: string | null): number | undefined {
  const n = value === null ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function writeFilters(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.available) params.set('available', 'true');
  const min = eurosToCents(filters.minPrice);
  const max = eurosToCents(filters.maxPrice);
  if (min !== undefined) params.set('minPrice', String(min));
  if (max !== undefined) params.set('maxPrice', String(max));
  if (filters.status) params.set('status', filters.status);
  return params;
}

/** A calendar day from the date inputs as an ISO timestamp at the start or end of that local day. */
function dayBoundary(day: string, edge: 'start' | 'end'): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T${edge === 'start' ? '00:00:00.000' : '23:59:59.999'}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function toQuery(params: URLSearchParams): EventQuery {
  const page = Number(params.get('page'));
  return {
    q: params.get('q') ?? undefined,
    from: dayBoundary(params.get('from') ?? '', 'start'),
    to: dayBoundary(params.get('to') ?? '', 'end'),
    available: params.get('available') === 'true' || undefined,
    minPrice: parseCents(params.get('minPrice')),
    maxPrice: parseCents(params.get('maxPrice')),
    status: (params.get('status') as EventStatus | null) || undefined,
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: PAGE_SIZE,
  };
}

export function EventsPage() {
  useDocumentTitle('Events');
  const [params, setParams] = useSearchParams();
  const query = toQuery(params);
  const key = JSON.stringify(query);
  const events = useResource((signal) => api.listEvents(query, signal), [key]);
  const featured = useResource((signal) => api.listEvents({ featured: true, pageSize: FEATURED_COUNT }, signal), []);

  const goToPage = (page: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(page));
    setParams(next);
    window.scrollTo({ top: 0, behavior: 'smooth' });
  };

  return (
    <>
      <section className="hero">
        <h1 className="hero__title">Find your next night out</h1>
        <p className="hero__subtitle">Concerts, theatre and more. Pick your seats and book in minutes.</p>
        <FilterForm key={params.toString()} initial={readFilters(params)} onApply={(f) => setParams(writeFilters(f))} />
      </section>

      {featured.data && featured.data.items.length > 0 && (
        <section aria-labelledby="featured-title" className="featured-strip" data-testid="featured-strip">
          <h2 id="featured-title" className="section-title">
            Featured
          </h2>
          <div className="event-grid event-grid--strip">
            {featured.data.items.map((event) => (
              <EventCard key={event.id} event={event} />
            ))}
          </div>
        </section>
      )}

      <section aria-labelledby="results-title" aria-busy={events.loading}>
        <div className="results-header">
          <h2 id="results-title" className="section-title">
            {events.data ? `${events.data.total} ${events.data.total === 1 ? 'event' : 'events'}` : 'Events'}
          </h2>
        </div>
        <ErrorAlert error={events.error} title="Could not load events." />
        {events.loading && !events.data && <Loading label="Loading events…" />}
        {events.data && events.data.items.length === 0 && (
          <EmptyState title="No events match your search">
            <p>Try other dates, a wider price range or fewer filters.</p>
          </EmptyState>
        )}
        {events.data && events.data.items.length > 0 && (
          <>
            <div className="event-grid">
              {events.data.items.map((event) => (
                <EventCard key={event.id} event={event} />
              ))}
            </div>
            <Pagination
              page={events.data.page}
              pageSize={events.data.pageSize || PAGE_SIZE}
              total={events.data.total}
              onChange={goToPage}
            />
          </>
        )}
      </section>
    </>
  );
}

function FilterForm({ initial, onApply }: { initial: Filters; onApply: (filters: Filters) => void }) {
  const [filters, setFilters] = useState(initial);
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const minError = filters.minPrice && eurosToCents(filters.minPrice) === undefined ? 'Enter an amount in euros' : undefined;
  const maxError = filters.maxPrice && eurosToCents(filters.maxPrice) === undefined ? 'Enter an amount in euros' : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!minError && !maxError) onApply(filters);
  };
  const reset = () => onApply({ q: '', from: '', to: '', available: false, minPrice: '', maxPrice: '', status: '' });

  return (
    <form className="filters" role="search" onSubmit={submit}>
      <div className="filters__search">
        <label htmlFor="search-q" className="sr-only">
          Search events
        </label>
        <input
          id="search-q"
          className="input input--lg"
          type="search"
          placeholder="Search by event, artist or venue"
          value={filters.q}
          onChange={(e) => set('q', e.target.value)}
        />
        <button type="submit" className="btn btn--primary btn--lg">
          Search
        </button>
      </div>
      <fieldset className="filters__row">
        <legend className="sr-only">Filters</legend>
        <Field label="From" type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />
        <Field label="To" type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set('to', e.target.value)} />
        <Field
          label="Min price (€)"
          inputMode="decimal"
          placeholder="0"
          value={filters.minPrice}
          error={minError}
          onChange={(e) => set('minPrice', e.target.value)}
        />
        <Field
          label="Max price (€)"
          inputMode="decimal"
          placeholder="Any"
          value={filters.maxPrice}
          error={maxError}
          onChange={(e) => set('maxPrice', e.target.value)}
        />
        <div className="field">
          <label htmlFor="filter-status" className="field__label">
            Status
          </label>
          <select
            id="filter-status"
            className="input"
            value={filters.status}
            onChange={(e) => set('status', e.target.value as Filters['status'])}
          >
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={filters.available} onChange={(e) => set('available', e.target.checked)} />
          Only with seats available
        </label>
        <div className="filters__actions">
          <button type="submit" className="btn btn--secondary">
            Apply filters
          </button>
          <button type="button" className="btn btn--ghost" onClick={reset}>
            Reset
          </button>
        </div>
      </fieldset>
    </form>
  );
}
