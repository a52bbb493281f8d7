import { formatMoney } from '../format';

/** Integer cents as euros ("Free" for zero). */
export function Money({ cents, className }: { cents: number; className?: string }) {
  return <span className={['money', className].filter(Boolean).join(' ')}>{formatMoney(cents)}</span>;
}
