import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '@polyshop/testing';
import { axeViolations, chromiumBinary, seriousViolations } from './chromium.ts';

/** Where the console's end-to-end tests save a screenshot of each page (gitignored; CI keeps them). */
export const CONSOLE_SCREENSHOTS = join(repoRoot, 'artifacts', 'console');

/** Debian's Chromium, headless, and the screenshots' folder made. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(CONSOLE_SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: chromiumBinary()!,
    headless: true,
    // as root (CI) Chromium's sandbox cannot start; the page is the console only
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A fresh tab (a context of its own: its own sessionStorage) on a laptop-sized screen, at the sign-in page. */
export async function openConsole(browser: Browser, baseUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console`);
  await page.getByRole('heading', { name: 'Sign in to the polyshop console' }).waitFor();
  return page;
}

/** Fills the sign-in form and sends it. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** axe-core on the page as it is (no serious or critical violation), then its screenshot as `<name>.png`. */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  const serious = seriousViolations(await axeViolations(page));
  assert.deepEqual(serious, [], `${name}: axe-core finds serious or critical violations`);
  await page.screenshot({ path: join(CONSOLE_SCREENSHOTS, `${name}.png`), fullPage: true });
}
