/**
 * Debian's Chromium, headless, through playwright-core (which drives an installed browser and
 * downloads none): what the browser test and measure.js open the page with.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

// No sandbox (containers), no GPU, and nothing that reaches the network on its own.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];

/**
 * Launches Chromium with a fresh profile (a temporary `--user-data-dir`, which playwright takes as
 * the persistent context's folder) and returns its context; `close()` also removes the profile.
 * Throws, saying how to install it, when /usr/bin/chromium is missing.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, close(): Promise<void> }>}
 */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Chromium (apt-get install -y chromium) to run the browser tests, ` +
      'or set DIFFATTN_SKIP_BROWSER=1 to skip them explicitly');
  }
  const profile = mkdtempSync(join(tmpdir(), 'diffattn-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}
