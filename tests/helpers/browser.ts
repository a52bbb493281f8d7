import { chromium, type Browser } from 'playwright-core';

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
