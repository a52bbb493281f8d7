import { useCallback, useEffect, useRef, useState } from 'react';
import { newIdempotencyKey } from './api';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

/**
 * Loads data when `deps` change (aborting the previous load) and keeps the last data visible while
 * reloading.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        setDataState(result);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

/**
 * One idempotency key per user intent: the same `fingerprint` (e.g. the selected seats) reuses its key
 * so a retried or double-submitted request is applied once; a new intent gets a new key.
 */
export function useIdempotencyKey(): { keyFor: (fingerprint: string) => string; reset: () => void } {
  const current = useRef<{ fingerprint: string; key: string } | null>(null);
  const keyFor = useCallback((fingerprint: string) => {
    if (current.current?.fingerprint !== fingerprint) {
      current.current = { fingerprint, key: newIdempotencyKey() };
    }
    return current.current.key;
  }, []);
  const reset = useCallback(() => {
    current.current = null;
  }, []);
  return { keyFor, reset };
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Seatwise` : 'Seatwise · Tickets';
  }, [title]);
}

/** Current time (server-corrected via `now`) refreshed every `intervalMs` while `active`. */
export function useNow(now: () => number, intervalMs: number, active = true): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    if (!active) return;
    setTime(now());
    const timer = window.setInterval(() => setTime(now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [now, intervalMs, active]);
  return time;
}

/**
 * An action a click starts (cancel, transfer, revoke…): `busy` while it runs, the error it ended
 * with kept to show (cleared when it runs again), and `run` answering whether it succeeded.
 */
export function useAction(): { busy: boolean; error: unknown; run: (step: () => Promise<unknown>) => Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async (step: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await step();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
