import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-results', 'screenshots');

/** Debian's Chromium, headless, with nothing that phones home (only the app under test is reachable). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A full-page screenshot into test-results/screenshots/<name>.png (gitignored), for a human to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Writes a small real PNG (a blue square with a stripe) to a temporary file and returns its path. */
export function writeTestPng(name = 'evidence.png', size = 32): string {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const stripe = Math.abs(x - y) < 3;
      png.data[i] = stripe ? 250 : 30;
      png.data[i + 1] = stripe ? 200 : 80;
      png.data[i + 2] = stripe ? 60 : 160;
      png.data[i + 3] = 255;
    }
  }
  const path = join(mkdtempSync(join(tmpdir(), 'nd-browser-')), name);
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

/** Signs a staff member in through the login form, in `lang`; the page is then on the staff side. */
export async function signInPage(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
  lang: string,
): Promise<void> {
  await page.goto(`${baseUrl}/staff/login?lang=${lang}`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);
}
