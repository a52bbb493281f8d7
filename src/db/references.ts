import { randomInt } from 'node:crypto';

/** Unambiguous characters for references read over the phone: no 0/O, 1/I/L. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A short human-readable booking reference such as `K7QX-M3TP`. */
export function bookingReference(): string {
  const pick = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${pick()}-${pick()}`;
}
