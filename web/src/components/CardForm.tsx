import { useState, type FormEvent } from 'react';
import { formatMoney } from '../format';
import type { Card } from '../types';
import { Field } from './Field';

export const TEST_CARDS = [
  { number: '4242 4242 4242 4242', outcome: 'succeeds' },
  { number: '4000 0000 0000 0002', outcome: 'is declined' },
  { number: '4000 0000 0000 0119', outcome: 'fails transiently, then succeeds' },
  { number: '4000 0000 0000 0259', outcome: 'is slow (settles after a few seconds)' },
];

interface CardDraft {
  number: string;
  expMonth: string;
  expYear: string;
  cvc: string;
}

type CardErrors = Partial<Record<keyof CardDraft, string>>;

const EMPTY: CardDraft = { number: '', expMonth: '', expYear: '', cvc: '' };

function fullYear(input: string): number {
  const year = Number(input);
  return input.length === 2 ? 2000 + year : year;
}

function validate(draft: CardDraft, now = new Date()): CardErrors {
  const errors: CardErrors = {};
  const digits = draft.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) errors.number = 'Enter the 16-digit card number';
  const month = Number(draft.expMonth);
  if (!/^\d{1,2}$/.test(draft.expMonth) || month < 1 || month > 12) errors.expMonth = 'Month 1–12';
  if (!/^(\d{2}|\d{4})$/.test(draft.expYear)) errors.expYear = 'Year, e.g. 2030';
  else if (!errors.expMonth) {
    const year = fullYear(draft.expYear);
    const current = now.getFullYear() * 12 + now.getMonth();
    if (year * 12 + month - 1 < current) errors.expYear = 'This card has expired';
  }
  if (!/^\d{3,4}$/.test(draft.cvc)) errors.cvc = '3 or 4 digits';
  return errors;
}

export function toCard(draft: CardDraft): Card {
  return {
    number: draft.number.replace(/[\s-]/g, ''),
    expMonth: Number(draft.expMonth),
    expYear: fullYear(draft.expYear),
    cvc: draft.cvc,
  };
}

/** Groups digits in fours as the customer types. */
function formatCardNumber(input: string): string {
  return input
    .replace(/\D/g, '')
    .slice(0, 19)
    .replace(/(\d{4})(?=\d)/g, '$1 ');
}

interface CardFormProps {
  amountCents: number;
  busy: boolean;
  disabled: boolean;
  onPay: (card: Card) => void;
}

/** The short all-digit inputs beside the card number. */
const DIGIT_FIELDS = [
  { key: 'expMonth', label: 'Expiry month', autoComplete: 'cc-exp-month', placeholder: 'MM', maxLength: 2 },
  { key: 'expYear', label: 'Expiry year', autoComplete: 'cc-exp-year', placeholder: 'YYYY', maxLength: 4 },
  { key: 'cvc', label: 'CVC', autoComplete: 'cc-csc', placeholder: '123', maxLength: 4 },
] as const;

export function CardForm({ amountCents, busy, disabled, onPay }: CardFormProps) {
  const [draft, setDraft] = useState<CardDraft>(EMPTY);
  const [submitted, setSubmitted] = useState(false);
  const errors = submitted ? validate(draft) : {};
  const set = (key: keyof CardDraft, value: string) => setDraft((d) => ({ ...d, [key]: value }));

  const fillTestCard = (number: string) =>
    setDraft((d) => ({
      number,
      expMonth: d.expMonth || '12',
      expYear: d.expYear || String(new Date().getFullYear() + 2),
      cvc: d.cvc || '123',
    }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(validate(draft)).length === 0) onPay(toCard(draft));
  };

  return (
    <form className="card-form" onSubmit={submit} noValidate aria-busy={busy}>
      <Field
        label="Card number"
        autoComplete="cc-number"
        inputMode="numeric"
        placeholder="1234 5678 9012 3456"
        value={draft.number}
        error={errors.number}
        onChange={(e) => set('number', formatCardNumber(e.target.value))}
        disabled={disabled}
      />
      <div className="card-form__row">
        {DIGIT_FIELDS.map(({ key, label, autoComplete, placeholder, maxLength }) => (
          <Field
            key={key}
            label={label}
            autoComplete={autoComplete}
            inputMode="numeric"
            placeholder={placeholder}
            maxLength={maxLength}
            value={draft[key]}
            error={errors[key]}
            onChange={(e) => set(key, e.target.value.replace(/\D/g, ''))}
            disabled={disabled}
          />
        ))}
      </div>
      <button type="submit" className="btn btn--primary btn--lg btn--block" disabled={disabled || busy}>
        {busy ? (
          <>
            <span className="spinner spinner--light" aria-hidden="true" /> Processing payment…
          </>
        ) : (
          `Pay ${formatMoney(amountCents)}`
        )}
      </button>
      <TestCards onUse={fillTestCard} disabled={disabled || busy} />
    </form>
  );
}

function TestCards({ onUse, disabled }: { onUse: (number: string) => void; disabled: boolean }) {
  return (
    <details className="test-cards" open>
      <summary>Test cards</summary>
      <p className="muted">Any future expiry date and any CVC work.</p>
      <ul>
        {TEST_CARDS.map((card) => (
          <li key={card.number}>
            <code>{card.number}</code> {card.outcome}
            <button
              type="button"
              className="btn btn--ghost btn--xs"
              onClick={() => onUse(card.number)}
              disabled={disabled}
              aria-label={`Use test card ${card.number}`}
            >
              Use
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
