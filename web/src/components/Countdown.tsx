import { useEffect, useId, useRef } from 'react';
import { serverClock } from '../api';
import { formatClock } from '../format';
import { useNow } from '../hooks';

export type CountdownLevel = 'orange' | 'yellow' | 'red';

/** orange while more than 3 minutes remain, yellow from 3:00, red under one minute. */
export function countdownLevel(secondsLeft: number): CountdownLevel {
  if (secondsLeft > 180) return 'orange';
  if (secondsLeft >= 60) return 'yellow';
  return 'red';
}

const ANNOUNCEMENTS: Record<CountdownLevel, string> = {
  orange: '',
  yellow: 'Three minutes or less left to complete your booking.',
  red: 'Less than one minute left to complete your booking.',
};

const serverNow = () => serverClock.now();

interface CountdownProps {
  /** Epoch milliseconds when the hold ends. */
  expiresAt: number;
  onExpire?: () => void;
  /** Freezes the display (e.g. once the hold is no longer running). */
  stopped?: boolean;
}

export function Countdown({ expiresAt, onExpire, stopped = false }: CountdownProps) {
  const now = useNow(serverNow, 250, !stopped);
  const secondsLeft = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  const level = countdownLevel(secondsLeft);
  useExpiryCallback(secondsLeft === 0 && !stopped, expiresAt, onExpire);

  // ids of its own, so several countdowns on one page (My tickets: every live hold) each read their own label
  const id = useId();
  const minutes = Math.floor(secondsLeft / 60);
  const seconds = secondsLeft % 60;
  return (
    <div className={`countdown-box countdown-box--${level}`}>
      <span className="countdown-box__label" id={`${id}-label`}>
        Seats held for
      </span>
      <span
        data-testid="countdown"
        data-level={level}
        className={`countdown countdown--${level}${level === 'red' ? ' pulse' : ''}`}
        role="timer"
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-spoken`}
      >
        {formatClock(secondsLeft)}
      </span>
      <span id={`${id}-spoken`} className="sr-only">
        {minutes} minutes {seconds} seconds left
      </span>
      <span className="sr-only" aria-live="polite">
        {ANNOUNCEMENTS[level]}
      </span>
    </div>
  );
}

/** Calls `onExpire` once per `expiresAt` when `expired` becomes true. */
function useExpiryCallback(expired: boolean, expiresAt: number, onExpire?: () => void): void {
  const firedFor = useRef<number | null>(null);
  const callback = useRef(onExpire);
  useEffect(() => {
    callback.current = onExpire;
  });
  useEffect(() => {
    if (!expired || firedFor.current === expiresAt) return;
    firedFor.current = expiresAt;
    callback.current?.();
  }, [expired, expiresAt]);
}
