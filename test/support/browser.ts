import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

/** Flags for Debian's Chromium on a machine with no route to the internet. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/**
 * Screenshots go to `.test-results/screenshots`, or to `CONSOLE_SCREENSHOTS_DIR` (the docs'
 * pictures are refreshed with `CONSOLE_SCREENSHOTS_DIR=docs/images`).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = resolve(process.env.CONSOLE_SCREENSHOTS_DIR ?? '.test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  // Toasts left by earlier steps would cover the page in the docs' pictures.
  await page.screenshot({ path, fullPage: false, style: '[data-testid="toast"] { visibility: hidden; }' });
  return path;
}

/** A page that fails its test on any script error, so a broken console cannot pass quietly. */
export async function openConsolePage(browser: Browser, baseUrl: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${baseUrl}/admin/`);
  return { page, errors };
}

export async function signIn(page: Page, secret: string): Promise<void> {
  await page.getByTestId('token-input').fill(secret);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('whoami').waitFor();
}
