import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError, api, bodyFieldErrors, errorMessage, type OrganizerEvent } from '../api';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { Field } from '../components/Field';
import { StatusBadge } from '../components/StatusBadge';
import { eurosToCents } from '../format';
import { useDocumentTitle, useResource } from '../hooks';
import type { EventDraft, EventEdit, SeatNumbering, SectionSpec, Venue } from '../types';

/** One section as the form holds it: text as typed, turned into the API's SectionSpec on saving. */
interface SectionRow {
  key: string;
  name: string;
  kind: SectionSpec['kind'];
  price: string;
  rows: string;
  seatsPerRow: string;
  capacity: string;
  numbering?: SeatNumbering;
}

interface Details {
  name: string;
  description: string;
  venueId: string;
  startsAt: string;
  salesStartAt: string;
  salesEndAt: string;
  maxTickets: string;
  imageUrl: string;
}

type Errors = Record<string, string>;
let rowKeys = 0;
const newRow = (from: Partial<SectionRow> = {}): SectionRow => ({
  key: `section-${++rowKeys}`, name: '', kind: 'RESERVED', price: '', rows: '', seatsPerRow: '', capacity: '', ...from,
});
const rowOf = (spec: SectionSpec): SectionRow => newRow({
  name: spec.name, kind: spec.kind, price: (spec.priceCents / 100).toFixed(2),
  ...(spec.kind === 'GA' ? { capacity: String(spec.capacity) } : { rows: String(spec.rows), seatsPerRow: String(spec.seatsPerRow), numbering: spec.numbering }),
});

/** `<input type="datetime-local">` works in the browser's time zone; the API in ISO instants. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
const fromLocalInput = (value: string): string | null => (value ? new Date(value).toISOString() : null);

/** A whole number typed into a field, or undefined when it is not one. */
const wholeNumber = (text: string): number | undefined => (/^\s*\d{1,9}\s*$/.test(text) ? Number(text) : undefined);

/** The layout an event has now, as specs (reserved sections' rows and seats counted from its seats). */
function layoutOf(event: OrganizerEvent): SectionSpec[] {
  return event.sections.map((section): SectionSpec => {
    if (section.kind === 'GA') return { name: section.name, kind: 'GA', priceCents: section.priceCents, capacity: section.capacity };
    const rows = new Map<string, number[]>();
    for (const seat of event.seats) {
      if (seat.sectionId !== section.id) continue;
      rows.set(seat.row ?? '', [...(rows.get(seat.row ?? '') ?? []), seat.number ?? 0]);
    }
    const numbers = [...rows.values()][0]?.sort((a, b) => a - b) ?? [];
    const seatsPerRow = Math.max(0, ...[...rows.values()].map((r) => r.length));
    // 1, 2, 3 is the default; 1, 3, 5 and 2, 4, 6 are the halls that number each side of the aisle apart
    const numbering: SeatNumbering | undefined = numbers.every((n, i) => n === i + 1) ? undefined
      : numbers.every((n, i) => n === 2 * i + 1) ? 'ODD' : numbers.every((n, i) => n === 2 * i + 2) ? 'EVEN' : undefined;
    return { name: section.name, kind: 'RESERVED', priceCents: section.priceCents, rows: rows.size, seatsPerRow, ...(numbering ? { numbering } : {}) };
  });
}

function detailsOf(event: OrganizerEvent | undefined): Details {
  return {
    name: event?.name ?? '', description: event?.description ?? '', venueId: event?.venue.id ?? '',
    startsAt: toLocalInput(event?.startsAt ?? null), salesStartAt: toLocalInput(event?.salesStartAt ?? null), salesEndAt: toLocalInput(event?.salesEndAt ?? null),
    maxTickets: event?.maxTicketsPerCustomer == null ? '' : String(event.maxTicketsPerCustomer), imageUrl: event?.imageUrl ?? '',
  };
}

/** The form's sections as the API's layout, or the fields (API paths) the form itself can tell are wrong. */
function specsOf(rows: SectionRow[]): { sections: SectionSpec[]; errors: Errors } {
  const errors: Errors = {};
  const sections = rows.map((row, index): SectionSpec => {
    const at = `sections.${index}`;
    const priceCents = eurosToCents(row.price);
    if (priceCents === undefined) errors[`${at}.priceCents`] = 'enter a price in euros, e.g. 25 or 25.50 (0 for free)';
    const count = (field: 'rows' | 'seatsPerRow' | 'capacity') => {
      const value = wholeNumber(row[field]);
      if (value === undefined) errors[`${at}.${field}`] = 'enter a whole number';
      return value ?? 0;
    };
    if (row.kind === 'GA') return { name: row.name.trim(), kind: 'GA', priceCents: priceCents ?? 0, capacity: count('capacity') };
    return { name: row.name.trim(), kind: 'RESERVED', priceCents: priceCents ?? 0, rows: count('rows'), seatsPerRow: count('seatsPerRow'), ...(row.numbering && row.numbering !== 'CONSECUTIVE' ? { numbering: row.numbering } : {}) };
  });
  return { sections, errors };
}

/** The details as the API takes them, or the fields the form itself can tell are wrong. */
function draftOf(details: Details): { body: Omit<EventDraft, 'sections'>; errors: Errors } {
  const errors: Errors = {};
  const imageUrl = details.imageUrl.trim();
  if (imageUrl && !/^https:\/\//i.test(imageUrl)) errors.imageUrl = 'must be an https:// URL';
  const limit = details.maxTickets.trim() ? wholeNumber(details.maxTickets) : null;
  if (limit === undefined) errors.maxTicketsPerCustomer = 'enter a whole number, or leave it empty for no limit';
  return {
    errors,
    body: {
      venueId: details.venueId, name: details.name.trim(), description: details.description.trim(),
      // an empty start is sent as such: the API says what it needs
      startsAt: fromLocalInput(details.startsAt) ?? '',
      salesStartAt: fromLocalInput(details.salesStartAt), salesEndAt: fromLocalInput(details.salesEndAt),
      maxTicketsPerCustomer: limit ?? null, imageUrl: imageUrl || null,
    },
  };
}

const PUBLISHABLE = ['DRAFT', 'CLOSED'];

/**
 * An organizer creates (`/organizer/events/new`) or edits (`/organizer/events/:eventId/edit`) an event:
 * its details, sale window, per-customer limit, image and layout (sections from the venue's templates
 * or its own: reserved rows × seats or a general-admission capacity, prices typed in euros and sent
 * in cents), saved as a draft or saved and published. The API decides: its field errors are shown
 * next to the fields, and its refusal to change a layout with seats held or sold next to the sections.
 */
export function OrganizerEventFormPage() {
  const { eventId } = useParams();
  const editing = eventId !== undefined;
  const event = useResource<OrganizerEvent | undefined>((signal) => (eventId ? api.organizerGetEvent(eventId, signal) : Promise.resolve(undefined)), [eventId]);
  const venues = useResource((signal) => api.organizerVenues(signal), []);
  useDocumentTitle(editing ? `Edit ${event.data?.name ?? 'event'}` : 'New event');

  if (editing && event.error && !event.data) return <ErrorAlert error={event.error} title="Could not load the event." />;
  if ((editing && !event.data) || (!venues.data && !venues.error)) return <Loading />;
  return <EventForm key={event.data?.id ?? 'new'} event={event.data} venues={venues.data ?? []} venuesError={venues.error} onVenueAdded={venues.reload} />;
}

function EventForm({ event, venues, venuesError, onVenueAdded }: { event?: OrganizerEvent; venues: Venue[]; venuesError: unknown; onVenueAdded: () => void }) {
  const navigate = useNavigate();
  const [baseline, setBaseline] = useState(event);
  const [details, setDetails] = useState<Details>(() => ({ ...detailsOf(event), venueId: event?.venue.id ?? venues[0]?.id ?? '' }));
  const [rows, setRows] = useState<SectionRow[]>(() => (event ? layoutOf(event).map(rowOf) : [newRow()]));
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(undefined);
  const [layoutRefusal, setLayoutRefusal] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const status = baseline?.status;
  const closed = status === 'CANCELLED' || status === 'COMPLETED';

  useEffect(() => {
    if (!details.venueId && venues[0]) setDetails((d) => ({ ...d, venueId: venues[0].id }));
  }, [venues, details.venueId]);

  const set = (field: keyof Details) => (e: { target: { value: string } }) => setDetails((d) => ({ ...d, [field]: e.target.value }));
  const setRow = (key: string, change: Partial<SectionRow>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const loadTemplates = async () => {
    setNotice(null);
    setFailure(undefined);
    try {
      const templates = await api.organizerVenueTemplates(details.venueId);
      if (templates.length === 0) setNotice('This venue has no section templates yet: add the sections below.');
      else setRows(templates.map(rowOf));
    } catch (error) {
      setFailure(error);
    }
  };

  const save = async (publish: boolean) => {
    const draft = draftOf(details);
    const layout = specsOf(rows);
    setNotice(null);
    setFailure(undefined);
    setLayoutRefusal(undefined);
    setErrors({ ...draft.errors, ...layout.errors });
    if (Object.keys(draft.errors).length + Object.keys(layout.errors).length > 0) return;
    setBusy(true);
    let saved = baseline;
    try {
      if (!baseline) {
        saved = await api.organizerCreateEvent({ ...draft.body, sections: layout.sections });
        setBaseline(saved);
      } else {
        const before = draftOf(detailsOf(baseline)).body;
        const edit = Object.fromEntries(Object.entries(draft.body).filter(([field, value]) => before[field as keyof typeof before] !== value)) as EventEdit;
        if (Object.keys(edit).length > 0) {
          saved = await api.organizerEditEvent(baseline.id, edit);
          setBaseline(saved);
        }
        if (JSON.stringify(layout.sections) !== JSON.stringify(layoutOf(baseline))) {
          try {
            saved = await api.organizerReplaceSections(baseline.id, layout.sections);
            setBaseline(saved);
          } catch (error) {
            if (error instanceof ApiError && (error.code === 'LAYOUT_LOCKED' || error.code === 'INVALID_STATE')) {
              setLayoutRefusal(error);
              if (Object.keys(edit).length > 0) setNotice('The details were saved; the sections were not changed.');
              setBusy(false);
              return;
            }
            throw error;
          }
        }
      }
      if (publish && saved && PUBLISHABLE.includes(saved.status)) saved = await api.organizerPublish(saved.id);
      navigate(`/organizer/events/${saved!.id}`, { state: { notice: publish ? `${saved!.name} is ${saved!.status === 'UPCOMING' ? 'published: sales open on schedule' : 'on sale'}.` : `${saved!.name} is saved.` } });
    } catch (error) {
      // created, but not published: the event's page says so
      if (saved && !baseline) {
        navigate(`/organizer/events/${saved.id}`, { state: { notice: `${saved.name} is saved as a draft but was not published: ${errorMessage(error)}`, tone: 'warning' } });
        return;
      }
      setErrors(bodyFieldErrors(error));
      setFailure(error);
      setBusy(false);
    }
  };
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void save(submitter?.value === 'publish');
  };

  const title = baseline ? `Edit ${baseline.name}` : 'New event';
  return (
    <>
      <Link to={baseline ? `/organizer/events/${baseline.id}` : '/organizer'} className="back-link">← {baseline ? baseline.name : 'My events'}</Link>
      <h1 className="page-title">{title} {status && <StatusBadge status={status} />}</h1>
      {closed && <Notice tone="warning">This event is {status!.toLowerCase()}: it changes no more.</Notice>}
      {notice && <Notice>{notice}</Notice>}
      <ErrorAlert error={failure} title={baseline ? 'Could not save the event.' : 'Could not create the event.'} />
      <ErrorAlert error={venuesError} title="Could not load your venues." />
      {venues.length === 0 && !venuesError && <NewVenue onAdded={onVenueAdded} />}
      <form className="card form organizer-form" aria-label={title} noValidate onSubmit={submit}>
        <Field label="Name" required maxLength={200} value={details.name} onChange={set('name')} error={errors.name} />
        <div className="field">
          <label htmlFor="event-description" className="field__label">Description</label>
          <textarea id="event-description" className="input" rows={3} maxLength={5000} value={details.description} onChange={set('description')}
            aria-invalid={errors.description ? true : undefined} aria-describedby={errors.description ? 'event-description-error' : undefined} />
          {errors.description && <span id="event-description-error" className="field__error">{errors.description}</span>}
        </div>
        <div className="field">
          <label htmlFor="event-venue" className="field__label">Venue</label>
          <select id="event-venue" className="input" value={details.venueId} onChange={set('venueId')}
            aria-invalid={errors.venueId ? true : undefined} aria-describedby={errors.venueId ? 'event-venue-error' : undefined}>
            {venues.map((venue) => <option key={venue.id} value={venue.id}>{venue.name}</option>)}
          </select>
          {errors.venueId && <span id="event-venue-error" className="field__error">{errors.venueId}</span>}
        </div>
        <div className="organizer-form__row">
          <Field label="Starts" type="datetime-local" required value={details.startsAt} onChange={set('startsAt')} error={errors.startsAt} />
          <Field label="Sales open" type="datetime-local" value={details.salesStartAt} onChange={set('salesStartAt')} error={errors.salesStartAt} hint="Empty: when published" />
          <Field label="Sales close" type="datetime-local" value={details.salesEndAt} onChange={set('salesEndAt')} error={errors.salesEndAt} hint="Empty: when the event starts" />
        </div>
        <div className="organizer-form__row">
          <Field label="Tickets per customer" inputMode="numeric" value={details.maxTickets} onChange={set('maxTickets')} error={errors.maxTicketsPerCustomer} hint="Empty: no limit" />
          <Field label="Image URL" type="url" placeholder="https://images.example.com/poster.jpg" value={details.imageUrl} onChange={set('imageUrl')} error={errors.imageUrl} hint="An https:// address of a public host" />
        </div>

        <fieldset className="organizer-form__sections" aria-describedby={layoutRefusal ? 'sections-refusal' : undefined}>
          <legend className="section-title">Sections</legend>
          {layoutRefusal !== undefined && (
            <div id="sections-refusal" className="alert alert--error" role="alert" data-testid="layout-refusal">
              <strong className="alert__title">The sections were not changed.</strong> <span>{errorMessage(layoutRefusal)}</span>
            </div>
          )}
          {errors.sections && <span className="field__error" role="alert">{errors.sections}</span>}
          {rows.map((row, index) => (
            <SectionFields key={row.key} index={index} row={row} errors={errors} onChange={(change) => setRow(row.key, change)}
              onRemove={rows.length > 1 ? () => setRows((all) => all.filter((r) => r.key !== row.key)) : undefined} />
          ))}
          <div className="toolbar__actions">
            <button type="button" className="btn btn--ghost btn--sm" onClick={() => setRows((all) => [...all, newRow()])}>Add section</button>
            <button type="button" className="btn btn--ghost btn--sm" disabled={!details.venueId} onClick={() => void loadTemplates()}>Use the venue's sections</button>
          </div>
        </fieldset>

        <div className="cancel-form__row">
          {(!status || PUBLISHABLE.includes(status)) && (
            <button type="submit" name="action" value="publish" className="btn btn--primary" disabled={busy || closed}>Save and publish</button>
          )}
          <button type="submit" name="action" value="save" className="btn btn--secondary" disabled={busy || closed}>
            {busy ? 'Saving…' : baseline ? 'Save changes' : 'Save draft'}
          </button>
        </div>
      </form>
    </>
  );
}

/** One section: name, kind, price in euros, and rows × seats per row (reserved) or a capacity (general admission). */
function SectionFields({ index, row, errors, onChange, onRemove }: {
  index: number; row: SectionRow; errors: Errors; onChange: (change: Partial<SectionRow>) => void; onRemove?: () => void;
}) {
  const at = `sections.${index}`;
  const kindId = useId();
  const error = (field: string) => errors[`${at}.${field}`];
  const number = (field: 'rows' | 'seatsPerRow' | 'capacity', label: string) => (
    <Field label={label} inputMode="numeric" value={row[field]} onChange={(e) => onChange({ [field]: e.target.value })} error={error(field)} />
  );
  return (
    <fieldset className="organizer-form__section" data-testid="section-fields" aria-label={`Section ${index + 1}`}>
      <Field label="Section name" maxLength={100} value={row.name} onChange={(e) => onChange({ name: e.target.value })} error={error('name')} />
      <div className="field">
        <label htmlFor={kindId} className="field__label">Kind</label>
        <select id={kindId} className="input" value={row.kind} onChange={(e) => onChange({ kind: e.target.value as SectionRow['kind'] })}>
          <option value="RESERVED">Reserved seating</option>
          <option value="GA">General admission</option>
        </select>
      </div>
      <Field label="Price (€)" inputMode="decimal" value={row.price} onChange={(e) => onChange({ price: e.target.value })} error={error('priceCents')} />
      {row.kind === 'RESERVED' ? <>{number('rows', 'Rows')}{number('seatsPerRow', 'Seats per row')}</> : number('capacity', 'Capacity')}
      {onRemove && <button type="button" className="btn btn--ghost btn--sm" onClick={onRemove}>Remove<span className="sr-only"> section {index + 1}</span></button>}
    </fieldset>
  );
}

/** A tenant without venues adds one here first (POST /api/organizer/venues). */
function NewVenue({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.organizerCreateVenue(name.trim());
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <EmptyState title="Add a venue first">
      <form className="toolbar" aria-label="Add a venue" onSubmit={(e) => void add(e)}>
        <Field label="Venue name" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={bodyFieldErrors(error).name} />
        <button type="submit" className="btn btn--sm">Add venue</button>
      </form>
    </EmptyState>
  );
}
