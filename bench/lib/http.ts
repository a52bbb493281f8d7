/**
 * A cheap load generator for the engine's HTTP API: one undici Pool of keep-alive
 * connections to one origin, JSON in and out, every request timed. It shares the machine's
 * cores with the engine, so it does as little as it can per request.
 */
import { Pool } from 'undici';

export interface Answer {
  /** HTTP status; 0 when no answer came (transport error or client timeout). */
  status: number;
  /** The parsed JSON body (or the text when it is not JSON; undefined without an answer). */
  body: any;
  /** Request sent → body read, ms. */
  ms: number;
  /** When it was sent, performance.now() of this process. */
  sentAt: number;
  /** The client gave up waiting (headers or body timeout). */
  timedOut: boolean;
  /** Transport error or timeout, as "<code>: <message>". */
  error?: string;
}

export interface ApiClient {
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function createApiClient(baseUrl: string, options: { connections: number; timeoutMs: number }): ApiClient {
  const pool = new Pool(baseUrl, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 60_000,
  });
  return {
    async request(method, path, { token, body, headers = {} } = {}) {
      const sentAt = performance.now();
      const h: Record<string, string> = { ...headers };
      if (token) h.authorization = `Bearer ${token}`;
      if (body !== undefined) h['content-type'] = 'application/json';
      try {
        const res = await pool.request({ method: method as 'GET', path, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.body.text();
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        return { status: res.statusCode, body: parsed, ms: performance.now() - sentAt, sentAt, timedOut: false };
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'ERROR';
        return {
          status: 0, body: undefined, ms: performance.now() - sentAt, sentAt,
          timedOut: TIMEOUT_CODES.has(code), error: `${code}: ${(error as Error).message}`,
        };
      }
    },
    close: () => pool.close(),
  };
}

/** "409 SEAT_TAKEN", "503 SERVICE_UNAVAILABLE: ...", "0 UND_ERR_SOCKET: ..." — for counting what went wrong. */
export function describeAnswer(answer: Answer): string {
  if (answer.status === 0) return `no answer (${answer.error})`;
  const error = answer.body?.error;
  return error ? `${answer.status} ${error.code}: ${String(error.message).slice(0, 120)}` : `${answer.status}`;
}
