import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { startTestEngine, type TestEngine } from './engine.ts';

/** Debian's Chromium (scripts/test.ts installs it when missing), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where browser tests save their screenshots. */
export const SCREENSHOTS = 'test-results';

/** Headless Chromium for the browser tests: no sandbox (root in CI), and no background traffic of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

// the page's storage, used by the init script below (this file compiles against Node's types only)
declare const localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };

/**
 * A browser context signed in as `account`, the way the web client stores a session after a
 * login (access token, refresh token, the account); a session the page stored since is kept.
 */
export async function signedInContext(
  browser: Browser,
  account: { token: string; refreshToken: string; customerId: string; email: string },
  profile: { name: string; role: string; tenantId?: string | null },
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript((session: { token: string; refreshToken: string; customer: unknown }) => {
    if (localStorage.getItem('token')) return;
    localStorage.setItem('token', session.token);
    localStorage.setItem('refreshToken', session.refreshToken);
    localStorage.setItem('customer', JSON.stringify(session.customer));
  }, { token: account.token, refreshToken: account.refreshToken, customer: { id: account.customerId, email: account.email, name: profile.name, role: profile.role, tenantId: profile.tenantId ?? null } });
  return context;
}

type Account = Awaited<ReturnType<TestEngine['register']>>;

/** An organizer's browser tests: the engine, Chromium, the organizer, signed in, and a page of its own. */
export interface OrganizerBrowser {
  engine: TestEngine;
  browser: Browser;
  organizer: Account;
  context: BrowserContext;
  page: Page;
  /** The event's row on "My events" (/organizer). */
  eventRow(eventId: string): Locator;
  /** The event's status in PostgreSQL. */
  eventStatus(eventId: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The shared set-up of the organizer's browser tests: a test engine (database `label`, realtime on),
 * Chromium, an organizer of a tenant of its own signed in as "Olga Organizer", and a page; the
 * screenshot folder exists. `close()` ends them all.
 */
export async function startOrganizerBrowser(label: string, env: Record<string, string> = {}): Promise<OrganizerBrowser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const [engine, browser] = await Promise.all([startTestEngine(label, env, { realtime: true }), launchChromium()]);
  const organizer = await engine.register('organizer');
  const context = await signedInContext(browser, organizer, { name: 'Olga Organizer', role: 'organizer' });
  const page = await context.newPage();
  return {
    engine, browser, organizer, context, page,
    eventRow: (eventId) => page.locator(`tr[data-event-id="${eventId}"]`),
    eventStatus: (eventId) => engine.db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`SELECT status FROM events WHERE id = ${eventId}`),
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await engine.close();
    },
  };
}

/**
 * An event made through the organizer API for a browser test to show: a venue of its own (`<name> Hall`),
 * a start a week ahead, the given sections (one reserved row of four by default) and fields, published
 * unless `publish` is false. Answers the event as the API does (with its sections and seats).
 */
export async function createOrganizerEvent(engine: TestEngine, organizer: Account, name: string, options: {
  sections?: unknown[]; publish?: boolean; fields?: Record<string, unknown>;
} = {}): Promise<{ id: string; sections: Array<{ id: string; kind: string }>; seats: Array<{ id: string; label: string }> }> {
  const venue = await engine.request('POST', '/api/organizer/venues', { token: organizer.token, body: { name: `${name} Hall` } });
  const res = await engine.request('POST', '/api/organizer/events', { token: organizer.token, body: {
    venueId: venue.body.venue.id, name, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), ...options.fields,
    sections: options.sections ?? [{ name: 'Stalls', kind: 'RESERVED', priceCents: 2500, rows: 1, seatsPerRow: 4 }],
  } });
  if (res.status !== 201) throw new Error(`creating the event "${name}" answered ${res.status}: ${JSON.stringify(res.body)}`);
  if (options.publish !== false) {
    const published = await engine.request('POST', `/api/organizer/events/${res.body.id}/publish`, { token: organizer.token });
    if (published.status !== 200) throw new Error(`publishing the event "${name}" answered ${published.status}: ${JSON.stringify(published.body)}`);
  }
  return res.body;
}
