import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { ErrorAlert } from './Feedback';
import { useAction } from '../hooks';

/** "Transfer": hands one VALID ticket to another customer by email (its old code stops admitting). */
export function TransferForm({ ticketId, label, onTransferred }: { ticketId: string; label: string; onTransferred: (email: string) => void }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const { busy, error, run } = useAction();
  const inputId = `transfer-${ticketId}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => onTransferred((await api.transferTicket(ticketId, email.trim())).recipientEmail));
  };
  if (!open) {
    return (
      <button type="button" className="btn btn--secondary btn--sm" onClick={() => setOpen(true)}>
        Transfer<span className="sr-only"> the ticket for {label}</span>
      </button>
    );
  }
  return (
    <form className="cancel-form" onSubmit={submit}>
      <label htmlFor={inputId} className="field__label">Recipient's email (they need an account)</label>
      <input id={inputId} className="input" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <div className="cancel-form__row">
        <button type="submit" className="btn btn--primary btn--sm" disabled={busy || !email.trim()}>
          {busy ? 'Transferring…' : 'Transfer ticket'}
        </button>
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => setOpen(false)} disabled={busy}>
          Keep it
        </button>
      </div>
      <ErrorAlert error={error} title="Could not transfer." />
    </form>
  );
}
