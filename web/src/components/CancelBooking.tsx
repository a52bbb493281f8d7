import { useState } from 'react';
import { api } from '../api';
import type { Booking } from '../types';
import { ErrorAlert } from './Feedback';
import { useAction } from '../hooks';

/** "Cancel booking": asks to confirm, then cancels and refunds within the event's policy (the refusal says until when). */
export function CancelBooking({ booking, onCancelled }: { booking: Booking; onCancelled: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const cancel = async () => {
    await run(async () => {
      const { cancellation } = await api.cancelBooking(booking.reference);
      onCancelled(cancellation.status === 'REFUNDED'
        ? `Booking ${booking.reference} was cancelled and refunded.`
        : `Booking ${booking.reference} is being cancelled; the refund is under way.`);
    });
    setConfirming(false);
  };
  return (
    <>
      {!confirming && (
        <button type="button" className="btn btn--danger-ghost btn--sm" onClick={() => setConfirming(true)} data-testid="cancel-booking">
          Cancel booking<span className="sr-only"> {booking.reference}</span>
        </button>
      )}
      {confirming && (
        <span className="cancel-form__row">
          <button type="button" className="btn btn--danger btn--sm" disabled={busy} onClick={() => void cancel()} data-testid="confirm-cancel-booking">
            {busy ? 'Cancelling…' : 'Cancel and refund'}
          </button>
          <button type="button" className="btn btn--ghost btn--sm" disabled={busy} onClick={() => setConfirming(false)}>
            Keep booking
          </button>
        </span>
      )}
      <ErrorAlert error={error} title="Could not cancel." />
    </>
  );
}
