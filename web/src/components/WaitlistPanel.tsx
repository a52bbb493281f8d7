import { useMemo, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../api';
import { useResource } from '../hooks';
import { useReservationUpdates, type SeatIndex } from '../realtime';
import type { Section, WaitlistEntry } from '../types';
import { ErrorAlert } from './Feedback';
import { loginPath } from './RequireAuth';

const QUANTITIES = [1, 2, 3, 4, 5, 6];

/**
 * On an event page: every section with no seat left (live, from the seat map) offers "Join the
 * waitlist"; a customer in line sees their place, can leave, and is sent to checkout when seats
 * are offered to them (the offer is a hold of theirs, with its own deadline).
 */
export function WaitlistPanel({ eventId, sections, seats, loggedIn, onSale }: { eventId: string; sections: Section[]; seats: SeatIndex; loggedIn: boolean; onSale: boolean }) {
  const navigate = useNavigate();
  const location = useLocation();
  const mine = useResource((signal) => (loggedIn ? api.listWaitlist(signal) : Promise.resolve([] as WaitlistEntry[])), [loggedIn]);
  const { reload } = mine;
  // an offer arrives as an update of one of my reservations
  useReservationUpdates(() => reload(), { enabled: loggedIn, onReconnect: reload });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [quantities, setQuantities] = useState<Record<string, number>>({});

  const soldOut = useMemo(() => {
    const free = new Set<string>();
    for (const seat of seats.values()) if (seat.state === 'AVAILABLE') free.add(seat.sectionId);
    return new Set(sections.filter((s) => !free.has(s.id)).map((s) => s.id));
  }, [seats, sections]);
  const live = (sectionId: string) => (mine.data ?? []).find((e) => e.eventId === eventId && e.sectionId === sectionId && (e.status === 'WAITING' || e.status === 'OFFERED'));
  const shown = sections.filter((s) => (onSale && soldOut.has(s.id)) || live(s.id));
  if (shown.length === 0) return null;

  const act = async (sectionId: string, action: () => Promise<unknown>) => {
    if (!loggedIn) {
      navigate(loginPath(location.pathname));
      return;
    }
    setBusy(sectionId);
    setError(undefined);
    try {
      await action();
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SEATS_AVAILABLE') reload();
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card waitlist-panel" aria-labelledby="waitlist-title" data-testid="waitlist-panel">
      <h2 id="waitlist-title" className="summary__title">Sold out? Join the waitlist</h2>
      <p className="muted small">When seats come back, the next in line is offered them and has a few minutes to buy.</p>
      <ErrorAlert error={error} />
      <ul className="waitlist-panel__list">
        {shown.map((section) => {
          const entry = live(section.id);
          const quantity = quantities[section.id] ?? 1;
          return (
            <li key={section.id} className="waitlist-panel__item" data-testid="waitlist-section" data-section={section.name}>
              <span className="waitlist-panel__name">
                <strong>{section.name}</strong>
                <span className="muted" data-testid="waitlist-state">
                  {' · '}
                  {!entry ? 'sold out' : entry.status === 'OFFERED' ? 'seats offered to you' : `you are number ${entry.position} in line`}
                </span>
              </span>
              {!entry && (
                <span className="waitlist-panel__actions">
                  <label className="sr-only" htmlFor={`waitlist-quantity-${section.id}`}>Seats wanted in {section.name}</label>
                  <select id={`waitlist-quantity-${section.id}`} value={quantity} disabled={busy !== null}
                    onChange={(e) => setQuantities((q) => ({ ...q, [section.id]: Number(e.target.value) }))}>
                    {QUANTITIES.map((n) => <option key={n} value={n}>{n} {n === 1 ? 'seat' : 'seats'}</option>)}
                  </select>
                  <button type="button" className="btn btn--primary btn--sm" disabled={busy !== null}
                    onClick={() => void act(section.id, () => api.joinWaitlist(eventId, section.id, quantity))}>
                    {busy === section.id ? 'Joining…' : 'Join the waitlist'}
                  </button>
                </span>
              )}
              {entry?.status === 'WAITING' && (
                <button type="button" className="btn btn--secondary btn--sm" disabled={busy !== null}
                  onClick={() => void act(section.id, () => api.leaveWaitlist(eventId, section.id))}>
                  Leave the waitlist
                </button>
              )}
              {entry?.status === 'OFFERED' && entry.offer && (
                <Link className="btn btn--primary btn--sm" to={`/checkout/${entry.offer.reservationId}`}>Buy the offered seats</Link>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
