import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressProblem } from './url-policy.ts';

export interface SendResult {
  /** The receiver's HTTP status, when it answered. */
  statusCode: number | null;
  /** Why it failed (no answer, a refused address, or the status and the start of the answer's body). */
  error: string | null;
  durationMs: number;
}

/**
 * One POST of a signed body. Redirects are not followed (a 3xx is a failed attempt: the endpoint's
 * URL is what the organizer registered), the answer's body is read only up to 1 KiB, and the address
 * connected to is checked against the URL policy at connection time (DNS rebinding cannot move a
 * public name onto a private address between the check and the request).
 */
export function sendWebhook(url: string, headers: Record<string, string>, body: string, options: { timeoutMs: number; allowHttpLoopback: boolean }): Promise<SendResult> {
  const started = performance.now();
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const refused = isIP(literal) !== 0 ? addressProblem(literal, options.allowHttpLoopback) : undefined;
  const elapsed = () => Math.round(performance.now() - started);
  if (refused) return Promise.resolve({ statusCode: null, error: `refused: ${refused}`, durationMs: elapsed() });

  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => !addressProblem(a.address, options.allowHttpLoopback));
      if (allowed.length === 0) {
        return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${addresses.map((a) => a.address).join(', ')}, not a public address`), { code: 'EADDRNOTPUBLIC' }), '', 0);
      }
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };

  return new Promise((resolve) => {
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'booking-engine-webhooks/1' },
      lookup: guardedLookup,
      timeout: options.timeoutMs,
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < 1024) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => {
        const statusCode = response.statusCode ?? 0;
        const ok = statusCode >= 200 && statusCode < 300;
        const excerpt = Buffer.concat(chunks).subarray(0, 300).toString('utf8').replace(/\s+/g, ' ').trim();
        resolve({ statusCode, error: ok ? null : `HTTP ${statusCode}${excerpt ? `: ${excerpt}` : ''}`.slice(0, 1000), durationMs: elapsed() });
      });
      response.on('error', (error) => resolve({ statusCode: response.statusCode ?? null, error: `the answer broke off: ${error.message}`.slice(0, 1000), durationMs: elapsed() }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => resolve({ statusCode: null, error: error.message.slice(0, 1000) || String(error), durationMs: elapsed() }));
    request.end(body);
  });
}
