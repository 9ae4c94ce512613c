import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { uiDir } from '../../src/api/ui.js';

/** Where screenshots go (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

/** Debian's Chromium, installed by scripts/ensure-deps.mjs. */
const CHROMIUM = process.env.LUMINATE_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (uiDir() === null) throw new Error('the web UI is not built (dist/ui): run `npm run build` first (npm test does)');
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      // As root in a container: no sandbox. No background traffic: the machine has no internet.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM} is needed for the browser tests (Debian package chromium; npm test installs it as root): ${(err as Error).message}`, { cause: err });
  }
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught page errors seen so far: a test fails on any. */
  errors: string[];
  screenshot: (name: string) => Promise<void>;
}

/** A 1280×800 page that records every console error and page error. */
export async function openPage(browser: Browser, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return { page, errors, screenshot: async (name) => void (await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })) };
}
