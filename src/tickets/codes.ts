import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * The QR payload of a ticket: `T1.` and 64 base64url characters (67 in all, one QR of version 5),
 * which encode 48 bytes:
 *
 *   ticket id (16 bytes of its uuid) | event id (16 bytes) | HMAC-SHA256 tag, first 16 bytes
 *
 * The tag is computed with TICKET_SIGNING_SECRET over the version prefix `T1.` and the two ids, so
 * a code cannot be made or altered without the secret (a 128-bit tag: guessing one is 1 in 2^128),
 * and it names no person: a photo of someone's ticket tells the reader nothing about its holder.
 * The code is not stored; it is the same every time it is computed, so a ticket downloaded twice
 * carries the same code. Whether it still admits is PostgreSQL's answer (the ticket's state), not
 * the code's: a cancelled or transferred ticket keeps a well-signed code that the door refuses.
 * A future format (another key, a key id) takes the prefix `T2.`; `T1.` codes keep verifying as
 * long as this secret is kept.
 */
const VERSION = 'T1.';
const TAG_BYTES = 16;
const CODE_PATTERN = /^T1\.[A-Za-z0-9_-]{64}$/;

export interface TicketCodePayload {
  ticketId: string;
  eventId: string;
}

export interface TicketCodes {
  sign(payload: TicketCodePayload): string;
  /** The ticket and event a genuine code names; null for anything else (altered, forged, truncated, another version). */
  verify(code: string): TicketCodePayload | null;
}

export function ticketCodes(secret: string): TicketCodes {
  if (secret.length < 32) throw new Error('the ticket signing secret must be at least 32 characters');
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  const tag = (body: Buffer) => createHmac('sha256', key).update(VERSION).update(body).digest().subarray(0, TAG_BYTES);
  return {
    sign({ ticketId, eventId }) {
      const body = Buffer.concat([uuidBytes(ticketId), uuidBytes(eventId)]);
      return VERSION + Buffer.concat([body, tag(body)]).toString('base64url');
    },
    verify(code) {
      // a keyboard-wedge scanner may add a newline; nothing else is forgiven
      const text = code.trim();
      if (!CODE_PATTERN.test(text)) return null;
      const bytes = Buffer.from(text.slice(VERSION.length), 'base64url');
      // base64url has spare bits in its last character: only the canonical spelling is accepted
      if (bytes.length !== 48 || bytes.toString('base64url') !== text.slice(VERSION.length)) return null;
      const body = bytes.subarray(0, 32);
      if (!timingSafeEqual(tag(body), bytes.subarray(32))) return null;
      return { ticketId: uuidText(body.subarray(0, 16)), eventId: uuidText(body.subarray(16, 32)) };
    },
  };
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
