import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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
