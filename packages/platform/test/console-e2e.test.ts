import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '@polyshop/testing';
import {
  TEST_ADMIN,
  TEST_PASSWORD,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { serviceNames } from '../src/service-catalog.ts';
import { axeViolations, chromiumBinary, chromiumSkip, seriousViolations } from './support/chromium.ts';

/** Where the screenshots of each page go (gitignored; CI keeps them as artefacts; README, Console). */
export const SCREENSHOTS = join(repoRoot, 'artifacts', 'console');

const skip = chromiumSkip();

/**
 * Issue 18: the operator console in a real Chromium (Debian's, driven by playwright-core) against a
 * platform listening on a port (PGlite in memory): sign in, the overview with every service ready,
 * read-only staff, refused customers; axe-core on each page; a screenshot of each page.
 */
describe('the operator console in Chromium (PGlite)', { skip }, () => {
  let platform: TestPlatform;
  let baseUrl: string;
  let browser: Browser;

  before(async () => {
    platform = await createTestPlatform({ target: 'pglite' });
    baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: chromiumBinary()!,
      headless: true,
      // as root (CI) Chromium's sandbox cannot start; the page is the console only
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await platform?.dispose();
  });

  /** A fresh tab on a laptop-sized screen, at the console's first page. */
  async function openConsole(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.getByRole('heading', { name: 'Sign in to the polyshop console' }).waitFor();
    return page;
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function checkAccessibility(page: Page, name: string) {
    const serious = seriousViolations(await axeViolations(page));
    assert.deepEqual(serious, [], `${name}: axe-core finds serious or critical violations`);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  it('signs the admin in and shows the overview: seven services, each ready, on its stores', async () => {
    const page = await openConsole();
    await checkAccessibility(page, 'sign-in');

    await signIn(page, TEST_ADMIN.email, 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: /./ }).waitFor();
    assert.match(await alert.innerText(), /password/i);

    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByText('All 7 services ready').waitFor();
    assert.equal(await page.title(), 'Overview · polyshop console');
    assert.equal(await page.locator('.badge').innerText(), 'Admin');

    const rows = page.getByRole('table').locator('tbody tr');
    assert.equal(await rows.count(), serviceNames.length);
    for (const name of serviceNames) {
      const row = rows.filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name} `) }) });
      const cells = await row.locator('td').allInnerTexts();
      assert.equal(cells[0], 'Ready', `${name}: ${cells.join(' | ')}`);
      assert.deepEqual(cells.slice(1, 3), ['postgres', 'postgres'], `${name} reads and writes on postgres`);
    }
    assert.equal(
      await page.getByRole('listitem').filter({ hasText: 'postgres' }).innerText(),
      'postgres Reachable',
    );
    await checkAccessibility(page, 'overview');

    // keyboard: the first Tab reaches the skip link, which moves focus to the main content
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'main');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the polyshop console' }).waitFor();
    await page.context().close();
  });

  it('gives staff with platform:read a read-only console and refuses an account without it', async () => {
    const reader = await userWithPermissions(platform, ['platform:read']);
    const page = await openConsole();
    await signIn(page, reader.email, TEST_PASSWORD);
    await page.getByText('All 7 services ready').waitFor();
    assert.equal(await page.locator('.badge').innerText(), 'Read-only');
    await page.getByRole('button', { name: 'Sign out' }).click();

    const customer = await userWithPermissions(platform, []);
    await signIn(page, customer.email, TEST_PASSWORD);
    await page.getByRole('alert').filter({ hasText: 'not staff' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Overview' }).count(), 0);
    await page.context().close();
  });
});
