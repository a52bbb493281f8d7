import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/**
 * Passwords: argon2 hashes (@node-rs/argon2 defaults, argon2id), a strength check by the
 * zxcvbn estimator (@zxcvbn-ts/core, the maintained TypeScript port of Dropbox's zxcvbn, with
 * its common-password, English and name dictionaries), and a login that costs the same work
 * whether the email exists or not.
 */

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
/** zxcvbn's 0–4 scale: 3 is "safely unguessable" (about 10^8 guesses or more). */
const MIN_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  // Built on first use (about half a second for the dictionaries). The estimator runs on the
  // event loop, and its cost grows fast with length and with l33t substitutions: it looks at
  // the first 64 characters (a longer password is judged by those) with at most 4 l33t
  // substitutions, which keeps one check within tens of milliseconds.
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
    maxLength: 64,
    l33tMaxSubstitutions: 4,
  });
  return estimator;
}

/**
 * Why a password is too weak to accept, or null when it is strong enough. `related` are the
 * account's own words (email, name), which make a password weaker when it contains them.
 */
export function passwordWeakness(password: string, related: string[]): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  const result = zxcvbn().check(password, related);
  if (result.score >= MIN_SCORE) return null;
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
  return `is too easy to guess${advice ? `: ${advice}` : ''}`;
}

export const hashPassword = (password: string): Promise<string> => hash(password);

let dummyHash: Promise<string> | undefined;
/** A hash of a random secret, made once per process with the same parameters as real ones. */
export const prepareDummyHash = (): Promise<string> => (dummyHash ??= hash(randomBytes(32).toString('base64url')));

/**
 * Verifies a password against the account's hash. Without an account (an unknown email) it
 * verifies against the dummy hash and answers false, so both cases cost one argon2
 * verification and the answer time does not tell which emails have accounts.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  const matches = await verify(stored ?? (await prepareDummyHash()), password);
  return stored !== undefined && matches;
}
