/**
 * The web client keeps a session alive on its own (issue 10): in Chromium against the real engine
 * with 5-second access tokens, it renews an expired access token before a request, renews and
 * resends after a 401, and logs out only when the refresh token itself is refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { sql } from '../../src/db/sql.ts';
import { signedInContext, launchChromium } from '../helpers/browser.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';


const ACCESS_TTL = 5;
let engine: TestEngine;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let account: Awaited<ReturnType<TestEngine['register']>>;

beforeAll(async () => {
  [engine, browser] = await Promise.all([startTestEngine('session_browser', { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL) }, { realtime: true }), launchChromium()]);
  account = await engine.register();
  context = await signedInContext(browser, account, { name: 'Test Person', role: 'customer' });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await engine?.close();
});

const stored = (key: string) => page.evaluate((k) => localStorage.getItem(k), key);
const rotations = () => engine.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
  SELECT count(*) AS n FROM refresh_tokens WHERE customer_id = ${account.customerId} AND rotated_at IS NOT NULL
`);
/** Leaves for the events page, then opens My tickets from the header: its requests go out afresh. */
async function openMyTickets() {
  await page.getByRole('link', { name: 'Events', exact: true }).click();
  await page.getByRole('link', { name: 'My tickets', exact: true }).click();
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
}

test('an expired access token is renewed before the request: the page loads, the refresh token was rotated', async () => {
  await page.goto(`${engine.url}/my-tickets`);
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
  // the page's own first requests (reservations, bookings, tickets, waitlists) finish first: on a loaded machine they may
  // come after the 5-second token has expired, and renew it, before the idle wait begins
  await page.getByText('No tickets yet').waitFor();
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
  const [first, firstRefresh, before] = [await stored('token'), await stored('refreshToken'), await rotations()];
  await sleep((ACCESS_TTL + 1) * 1000);
  expect(await rotations()).toBe(before); // nothing renews an idle page
  await openMyTickets();
  await page.getByText('No tickets yet').waitFor();
  expect(await stored('token')).not.toBe(first);
  expect(await stored('refreshToken')).not.toBe(firstRefresh);
  expect(await rotations()).toBe(before + 1);
  expect(jwt.decode((await stored('token'))!)).toEqual(expect.objectContaining({ sub: account.customerId }));
});

test('a refused access token (401) is renewed once and the request sent again', async () => {
  // a token the server refuses though it has not expired: signed with another secret
  const forged = jwt.sign({ email: account.email, role: 'customer' }, 'another-secret-of-at-least-thirty-two-chars', { subject: account.customerId, expiresIn: 600 });
  await page.evaluate((t) => localStorage.setItem('token', t), forged);
  const before = await rotations();
  await openMyTickets();
  await page.getByText('No tickets yet').waitFor();
  expect(await rotations()).toBe(before + 1);
  expect(await stored('token')).not.toBe(forged);
  expect(await page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(true);
});

test('when the refresh token is refused too (its login was revoked), the user is logged out', async () => {
  const refreshToken = (await stored('refreshToken'))!;
  expect((await engine.request('POST', '/api/auth/logout', { body: { refreshToken } })).status).toBe(204);
  const forged = jwt.sign({ email: account.email, role: 'customer' }, 'another-secret-of-at-least-thirty-two-chars', { subject: account.customerId, expiresIn: 600 });
  await page.evaluate((t) => localStorage.setItem('token', t), forged);
  await page.getByRole('link', { name: 'Events', exact: true }).click();
  await page.getByRole('link', { name: 'My tickets', exact: true }).click();
  await page.waitForURL('**/login**');
  expect(await stored('token')).toBeNull();
  expect(await stored('refreshToken')).toBeNull();
});
