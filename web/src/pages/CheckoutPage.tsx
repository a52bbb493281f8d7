import { SeatLineItems } from '../components/SeatLineItems';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../api';
import { CardForm } from '../components/CardForm';
import { Countdown } from '../components/Countdown';
import { EventFacts } from '../components/EventFacts';
import { DiscountCodeField, type DiscountChoice } from '../components/DiscountCodeField';
import { EmptyState, ErrorAlert, Loading, Notice } from '../components/Feedback';
import { StatusBadge } from '../components/StatusBadge';
import { useDocumentTitle, useIdempotencyKey, useResource } from '../hooks';
import { MY_TICKETS_PATH } from '../paths';
import { useReservationUpdates } from '../realtime';
import type { Card, Reservation, ReservationUpdate } from '../types';
import type { EventPageState } from './EventPage';

export const EXPIRED_TEXT = 'Your hold expired; the seats were released';
const BACK_TO_EVENT_MS = 4000;
const PAYING_POLL_MS = 3000;
/** Sent for free reservations: checkout is still required, but nothing is charged. */
const NO_CHARGE_CARD: Card = { number: '4242424242424242', expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123' };

export function CheckoutPage() {
  useDocumentTitle('Checkout');
  const { reservationId = '' } = useParams();
  const resource = useResource((signal) => api.getReservation(reservationId, signal), [reservationId]);

  if (resource.error instanceof ApiError && (resource.error.status === 404 || resource.error.status === 403)) {
    return (
      <EmptyState title="Reservation not found">
        <p>
          See <Link to={MY_TICKETS_PATH}>your tickets and holds</Link>.
        </p>
      </EmptyState>
    );
  }
  if (resource.error && !resource.data) return <ErrorAlert error={resource.error} title="Could not load your reservation." />;
  if (!resource.data) return <Loading label="Loading your reservation…" />;
  return <Checkout reservation={resource.data} reload={resource.reload} patch={resource.setData} />;
}

type View = 'active' | 'paying' | 'expired' | 'cancelled' | 'failed' | 'confirmed';

function viewOf(reservation: Reservation, timeUp: boolean, paying: boolean): View {
  switch (reservation.status) {
    case 'HELD':
      return paying ? 'paying' : timeUp ? 'expired' : 'active';
    case 'PAYING':
      return 'paying';
    case 'CONFIRMED':
      return 'confirmed';
    case 'EXPIRED':
      return 'expired';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'failed';
  }
}

interface CheckoutProps {
  reservation: Reservation;
  reload: () => void;
  patch: (update: (current: Reservation | undefined) => Reservation | undefined) => void;
}

function Checkout({ reservation, reload, patch }: CheckoutProps) {
  const navigate = useNavigate();
  const idempotency = useIdempotencyKey();
  const [paying, setPaying] = useState(false);
  const [timeUp, setTimeUp] = useState(false);
  const [payError, setPayError] = useState<unknown>(undefined);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<unknown>(undefined);
  const [extending, setExtending] = useState(false);
  const [extendError, setExtendError] = useState<unknown>(undefined);
  const view = viewOf(reservation, timeUp, paying);
  const expiresAt = Date.parse(reservation.holdExpiresAt);
  const eventPath = `/events/${reservation.eventId}`;

  const goToConfirmation = useCallback(
    (state?: unknown) => navigate(`/confirmation/${reservation.id}`, { replace: true, state }),
    [navigate, reservation.id],
  );

  useReservationUpdates(
    (update) => {
      if (update.reservationId !== reservation.id) return;
      // PAYING and HELD come and go during a payment (a decline goes PAYING → HELD), and a push
      // may arrive after this page's own answer: ask the server instead of applying a stale one
      if (update.status === 'PAYING' || update.status === 'HELD') return reload();
      patch((current) => current && applyUpdate(current, update));
    },
    { onReconnect: reload },
  );

  useEffect(() => {
    if (view === 'confirmed' && !paying) goToConfirmation();
  }, [view, paying, goToConfirmation]);

  useEffect(() => {
    if (view !== 'expired') return;
    const timer = window.setTimeout(() => navigate(eventPath, { state: { flash: `${EXPIRED_TEXT}.` } satisfies EventPageState }), BACK_TO_EVENT_MS);
    return () => window.clearTimeout(timer);
  }, [view, navigate, eventPath]);

  // A payment started elsewhere (or before a reload) settles on the server; watch for it.
  useEffect(() => {
    if (reservation.status !== 'PAYING' || paying) return;
    const timer = window.setInterval(reload, PAYING_POLL_MS);
    return () => window.clearInterval(timer);
  }, [reservation.status, paying, reload]);

  const [discount, setDiscount] = useState<DiscountChoice | null>(null);
  const amountDue = reservation.amountCents - (discount?.discountCents ?? 0);

  const pay = async (card: Card) => {
    setPaying(true);
    setPayError(undefined);
    try {
      const fingerprint = `${card.number}|${card.expMonth}|${card.expYear}|${card.cvc}|${discount?.code ?? ''}`;
      const result = await api.checkout(reservation.id, card, idempotency.keyFor(fingerprint), discount?.code);
      idempotency.reset();
      goToConfirmation({ booking: result.booking, reservation: result.reservation });
    } catch (err) {
      if (!(err instanceof ApiError && err.isNetworkError)) idempotency.reset();
      setPaying(false);
      onPayFailed(err);
    }
  };

  const onPayFailed = (err: unknown) => {
    // a code the engine refused at checkout (used up meanwhile, say) is taken off; the error says why
    if (err instanceof ApiError && err.code.startsWith('DISCOUNT_CODE_')) setDiscount(null);
    if (err instanceof ApiError && err.code === 'HOLD_EXPIRED') {
      patch((current) => current && { ...current, status: 'EXPIRED' });
      return;
    }
    if (err instanceof ApiError && (err.code === 'PAYMENT_DECLINED' || err.code === 'PAYMENT_UNAVAILABLE')) {
      // the engine put the hold back to HELD before answering; a PAYING read still in flight is stale
      patch((current) => current && { ...current, status: 'HELD' });
    }
    reload();
    setPayError(err);
  };

  const cancelHold = async () => {
    setCancelling(true);
    setCancelError(undefined);
    try {
      await api.cancelReservation(reservation.id);
      navigate(eventPath, { state: { flash: 'Your hold was cancelled and the seats were released.' } satisfies EventPageState });
    } catch (err) {
      setCancelling(false);
      setCancelError(err);
      reload();
    }
  };

  const extendHold = async () => {
    setExtending(true);
    setExtendError(undefined);
    try {
      const extended = await api.extendReservation(reservation.id);
      patch((current) => current && { ...current, ...extended });
    } catch (err) {
      setExtendError(err);
      reload();
    } finally {
      setExtending(false);
    }
  };

  const holdRunning = view === 'active' || view === 'paying';
  const canExtend = view === 'active' && !paying && (reservation.extensions?.remaining ?? 0) > 0;
  return (
    <div className="checkout">
      <Link to={eventPath} className="back-link">
        <span aria-hidden="true">←</span> Back to event
      </Link>
      <h1 className="page-title">Checkout</h1>
      <div className="checkout__layout">
        {/* the local timer may run out a moment before the server's expiry arrives: show EXPIRED at once */}
        <ReservationSummary reservation={view === 'expired' ? { ...reservation, status: 'EXPIRED' } : reservation}>
          {(holdRunning || view === 'expired') && (
            <Countdown expiresAt={view === 'expired' ? 0 : expiresAt} onExpire={() => setTimeUp(true)} stopped={!holdRunning} />
          )}
          {canExtend && reservation.extensions && (
            <div className="checkout__extend">
              <button type="button" className="btn btn--ghost" onClick={() => void extendHold()} disabled={extending}>
                {extending ? 'Adding time…' : `Need more time? Add ${Math.round(reservation.extensions.maxSeconds / 60)} minutes`}
              </button>
              <span className="muted">
                {reservation.extensions.remaining === 1 ? 'You can do this once.' : `You can do this ${reservation.extensions.remaining} times.`}
              </span>
            </div>
          )}
          <ErrorAlert error={extendError} title="Could not add time to your hold." />
        </ReservationSummary>
        <section className="card checkout__pay" aria-labelledby="pay-title">
          <h2 id="pay-title" className="card__title">
            {reservation.amountCents === 0 ? 'Confirm your free booking' : 'Payment'}
          </h2>
          <Outcome view={view} reservation={reservation} eventPath={eventPath} />
          {holdRunning && (
            <>
              {payError !== undefined && <PaymentError error={payError} />}
              {view === 'paying' && !paying && <Notice>Your payment is being processed…</Notice>}
              {reservation.amountCents > 0 && (
                <DiscountCodeField eventId={reservation.eventId} amountCents={reservation.amountCents} applied={discount}
                  disabled={paying || view !== 'active'} onChange={(choice) => { setDiscount(choice); setPayError(undefined); }} />
              )}
              {amountDue === 0 ? (
                <FreeCheckout busy={paying} disabled={view !== 'active'} onConfirm={() => void pay(NO_CHARGE_CARD)} />
              ) : (
                <CardForm amountCents={amountDue} busy={paying} disabled={view !== 'active'} onPay={(card) => void pay(card)} />
              )}
              {paying && <p className="muted checkout__slow" role="status">Contacting your bank. This can take a few seconds.</p>}
              <div className="checkout__cancel">
                <ErrorAlert error={cancelError} title="Could not cancel the hold." />
                <button type="button" className="btn btn--danger-ghost" onClick={() => void cancelHold()} disabled={cancelling || paying}>
                  {cancelling ? 'Cancelling…' : 'Cancel hold'}
                </button>
              </div>
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function applyUpdate(current: Reservation, update: ReservationUpdate): Reservation {
  return {
    ...current,
    status: update.status,
    cancelReason: update.reason ?? current.cancelReason,
    cancelledBy: update.actor ?? current.cancelledBy,
    booking:
      update.bookingReference && !current.booking ? { id: '', reference: update.bookingReference } : current.booking,
  };
}

function isSupport(actor: string | null): boolean {
  return actor !== null && actor.toLowerCase().startsWith('support');
}

function Outcome({ view, reservation, eventPath }: { view: View; reservation: Reservation; eventPath: string }) {
  if (view === 'expired') {
    return (
      <div className="alert alert--error outcome" role="alert">
        <strong data-testid="expired-message">{EXPIRED_TEXT}</strong>
        <span>Taking you back to the event so you can choose again…</span>
        <Link to={eventPath}>Back to the event now</Link>
      </div>
    );
  }
  if (view === 'cancelled') {
    const bySupport = isSupport(reservation.cancelledBy);
    return (
      <div className="alert alert--error outcome" role="alert">
        <strong data-testid="cancelled-message">
          {bySupport
            ? `Support cancelled your hold: ${reservation.cancelReason ?? 'no reason given'}`
            : `This hold was cancelled${reservation.cancelReason ? `: ${reservation.cancelReason}` : '.'}`}
        </strong>
        <span>The seats were released.</span>
        <Link to={eventPath}>Choose seats again</Link>
      </div>
    );
  }
  if (view === 'failed') {
    return (
      <div className="alert alert--error outcome" role="alert">
        <strong data-testid="failed-message">This reservation could not be completed.</strong>
        {(reservation.failureReason ?? reservation.cancelReason) && <span>{reservation.failureReason ?? reservation.cancelReason}</span>}
        <Link to={eventPath}>Back to the event</Link>
      </div>
    );
  }
  if (view === 'confirmed') return <Notice tone="success">Payment received. Loading your booking…</Notice>;
  return null;
}

/** Decline codes that say no more than "declined" (src/payments/provider.ts): the title says it all. */
const PLAIN_DECLINES = new Set(['card_declined', 'generic_decline', 'lost_card', 'stolen_card', 'fraudulent']);

/**
 * One sentence on what happened, then what to do. A plain decline reads "Your card was declined."
 * once (not again as the server's "The card was declined."); a decline with a reason the customer
 * can act on (insufficient funds, expired card) shows that reason instead.
 */
function PaymentError({ error }: { error: unknown }) {
  const declined = error instanceof ApiError && error.code === 'PAYMENT_DECLINED';
  const declineCode = declined && typeof error.details.declineCode === 'string' ? error.details.declineCode : 'card_declined';
  const headline = !declined ? 'Payment did not go through.' : PLAIN_DECLINES.has(declineCode) ? 'Your card was declined.' : errorMessage(error);
  return (
    <ErrorAlert title={headline}>
      {!declined && <span>{errorMessage(error)}</span>}
      <span>You can try again, or use another card, while your seats are still held.</span>
    </ErrorAlert>
  );
}

function FreeCheckout({ busy, disabled, onConfirm }: { busy: boolean; disabled: boolean; onConfirm: () => void }) {
  return (
    <div className="free-checkout">
      <p>These tickets are free. No payment details are needed.</p>
      <button type="button" className="btn btn--primary btn--lg btn--block" onClick={onConfirm} disabled={busy || disabled}>
        {busy ? 'Confirming…' : 'Confirm booking'}
      </button>
    </div>
  );
}

export function ReservationSummary({ reservation, children }: { reservation: Reservation; children?: ReactNode }) {
  return (
    <section className="card reservation-summary" aria-labelledby="reservation-title">
      <div className="reservation-summary__head">
        <h2 id="reservation-title" className="card__title">
          <Link to={`/events/${reservation.eventId}`}>{reservation.eventName}</Link>
        </h2>
        <StatusBadge status={reservation.status} />
      </div>
      <EventFacts startsAt={reservation.eventStartsAt} venueName={reservation.venueName} className="reservation-summary__facts" />
      {children}
      <SeatLineItems seats={reservation.seats} totalLabel="Total" totalCents={reservation.amountCents} />
    </section>
  );
}
