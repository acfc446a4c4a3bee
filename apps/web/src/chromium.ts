/**
 * Headless Chromium for the browser tests of apps/web and apps/playground: Debian's
 * `/usr/bin/chromium` (or `ZOO_CHROMIUM`) driven by playwright-core, with the flags that keep it
 * quiet and offline. Without Chromium the suites are skipped with a message, except under `CI`,
 * which installs it and must run them.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.ZOO_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** Whether Chromium is there; throws under CI when it is not, warns (naming `suite`) otherwise. */
export function haveChromium(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing; CI installs Debian's chromium for the browser tests`);
  console.warn(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set ZOO_CHROMIUM)`);
  return false;
}

/** A fresh persistent context in `profileDir` and its first page. */
export async function launchChromium(profileDir: string, options: { viewport?: { width: number; height: number } } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: options.viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Collects the page's uncaught errors and console errors into `into`. */
export function collectErrors(page: Page, into: string[]): void {
  page.on('pageerror', (err) => into.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(m.text());
  });
}
