import { useState, type FormEvent } from 'react';
import type { DiscountQuote } from '../../../src/contract/discounts';
import { api, ApiError } from '../api';
import { formatMoney } from '../format';
import { Field } from './Field';

/** What the checkout pays with a code applied: the code, and what it takes off the price. */
export interface DiscountChoice {
  code: string;
  discountCents: number;
}

const REFUSAL_TEXT: Record<NonNullable<DiscountQuote['refusal']>, string> = {
  NOT_YET_VALID: 'This code is not valid yet.',
  EXPIRED: 'This code has expired.',
  USED_UP: 'This code has been used up.',
};

/**
 * A discount code box on the checkout page: "Apply" checks the code with the engine
 * (GET /api/events/:id/discount-codes/:code) and shows what it takes off; the checkout then
 * sends it, and the engine applies it for real (the check is advice, the checkout decides).
 */
export function DiscountCodeField({ eventId, amountCents, applied, disabled, onChange }: {
  eventId: string;
  amountCents: number;
  applied: DiscountChoice | null;
  disabled: boolean;
  onChange: (choice: DiscountChoice | null) => void;
}) {
  const [draft, setDraft] = useState('');
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const apply = async (event: FormEvent) => {
    event.preventDefault();
    const code = draft.trim().toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9_-]{2,39}$/.test(code)) {
      setProblem('A code is 3 to 40 letters, digits, - or _.');
      return;
    }
    setChecking(true);
    setProblem(null);
    try {
      const quote = await api.checkDiscount(eventId, code, amountCents);
      if (!quote.usable) setProblem(quote.refusal ? REFUSAL_TEXT[quote.refusal] : 'This code cannot be used now.');
      else onChange({ code: quote.code, discountCents: quote.discountCents ?? 0 });
    } catch (err) {
      setProblem(err instanceof ApiError && err.code === 'DISCOUNT_CODE_UNKNOWN' ? 'This event has no such code.' : 'The code could not be checked. Try again.');
    } finally {
      setChecking(false);
    }
  };

  if (applied) {
    return (
      <div className="discount discount--applied" data-testid="discount-applied">
        <span>
          Code <strong>{applied.code}</strong>: −{formatMoney(applied.discountCents)}
        </span>
        <button type="button" className="btn btn--ghost" onClick={() => onChange(null)} disabled={disabled}>
          Remove
        </button>
      </div>
    );
  }
  return (
    <form className="discount" onSubmit={(event) => void apply(event)} noValidate>
      <Field label="Discount code" error={problem ?? undefined} value={draft} onChange={(e) => setDraft(e.target.value)}
        autoComplete="off" autoCapitalize="characters" spellCheck={false} disabled={disabled || checking} />
      <button type="submit" className="btn btn--ghost" disabled={disabled || checking || draft.trim() === ''}>
        {checking ? 'Checking…' : 'Apply'}
      </button>
    </form>
  );
}
