import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { createEvent, systemClock } from '@polyshop/kernel';
import { eventually } from '@polyshop/testing';
import {
  adminToken,
  TEST_ADMIN,
  TEST_PASSWORD,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { serviceNames } from '../src/service-catalog.ts';
import { chromiumSkip } from './support/chromium.ts';
import {
  checkAccessibility,
  launchChromium,
  openConsole as openConsoleAt,
  signIn,
} from './support/console-browser.ts';
import { saveBenchmarkRun } from './support/benchmark-run.ts';
import { flakySubscription } from './support/flaky-consumer-service.ts';

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
  /** A real small benchmark run with comparisons (hot-sku on PGlite), served by GET /admin/benchmarks. */
  let benchmarks: { folder: string; file: string };

  before(async () => {
    benchmarks = await saveBenchmarkRun('hot-sku');
    platform = await createTestPlatform({
      target: 'pglite',
      env: { POLYSHOP_BENCHMARKS_FILE: benchmarks.file },
    });
    baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await platform?.dispose();
    if (benchmarks) await rm(benchmarks.folder, { recursive: true, force: true });
  });

  /** A fresh tab on a laptop-sized screen, at the console's first page (screenshots: artifacts/console/). */
  const openConsole = (): Promise<Page> => openConsoleAt(browser, baseUrl);

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

  /** Content-Security-Policy violations the page reports in its console (none is expected). */
  function cspViolations(page: Page): string[] {
    const seen: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
    });
    return seen;
  }

  async function openPage(page: Page, name: string) {
    await page.getByRole('navigation').getByRole('link', { name }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
  }

  it('Events: the admin replays a dead letter — refused while its consumer fails, handled once it is fixed', async () => {
    // the consumer dead-letters-admin.test.ts uses: fails on every order.confirmed until fixed
    const probe = { fixed: false, handled: [] as string[] };
    await platform.bus.subscribe(flakySubscription(probe));
    const event = createEvent(
      'orders',
      { type: 'order.confirmed', aggregateType: 'order', aggregateId: 'o-e2e', data: { orderId: 'o-e2e' } },
      systemClock,
    );
    await platform.bus.publish(event);
    await eventually(
      async () => (await platform.deadLetters.list({ consumer: 'probe.order-confirmed', limit: 10 })).length,
      { message: 'the event was dead-lettered' },
    );

    const page = await openConsole();
    const violations = cspViolations(page);
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await openPage(page, 'Events');
    const row = page.getByRole('row').filter({ hasText: 'probe.order-confirmed' });
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 3), ['probe.order-confirmed', 'template missing', '5']);
    assert.match(await row.getByRole('rowheader').innerText(), /^order\.confirmed #\d+/);
    await checkAccessibility(page, 'events');

    // still broken: the replay is refused and said so; the dead letter stays
    await row.getByRole('button', { name: /^Replay order\.confirmed/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay this event?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), new RegExp(event.id));
    await checkAccessibility(page, 'events-replay-confirmation');
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: 'EVENTS.REPLAY_FAILED' }).waitFor();
    assert.match(await page.getByRole('status').innerText(), /failed again: template missing/);
    assert.deepEqual(probe.handled, []);

    // fixed: the replay hands it over, and the list of those waiting is empty
    probe.fixed = true;
    await row.getByRole('button', { name: /^Replay order\.confirmed/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: 'replayed' }).waitFor();
    assert.match(
      await page.getByRole('status').innerText(),
      /replayed: probe\.order-confirmed handled order\.confirmed/,
    );
    await page.getByRole('row').filter({ hasText: 'probe.order-confirmed' }).waitFor({ state: 'detached' });
    assert.deepEqual(probe.handled, [event.id]);
    await page.getByLabel('Show').selectOption('replayed');
    await page
      .getByRole('row')
      .filter({ hasText: 'probe.order-confirmed' })
      .getByText(/^Replayed at/)
      .waitFor();
    assert.deepEqual(violations, []);
    await page.context().close();
  });

  it('Events and Inventory are read-only for platform:read: no Replay or stock form', async () => {
    const reader = await userWithPermissions(platform, ['platform:read']);
    const page = await openConsole();
    await signIn(page, reader.email, TEST_PASSWORD);
    await openPage(page, 'Events');
    await page.getByLabel('Show').selectOption('all');
    await page.getByText(/Replaying needs platform:admin/).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Replay/ }).count(), 0);
    await openPage(page, 'Inventory');
    await page.getByLabel('SKU', { exact: true }).fill('E2E-READ-1');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#sku-error').filter({ hasText: 'Inventory has no SKU E2E-READ-1.' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Set quantity' }).count(), 0);
    await page.context().close();
  });

  it('Inventory: looks a SKU up, shows its reservation, sets its stock with a reason; errors beside their field', async () => {
    const token = await adminToken(platform);
    const call = (method: 'PUT' | 'POST', url: string, payload: object) =>
      platform.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    assert.equal(
      (await call('PUT', '/inventory/E2E-SKU-1', { quantity: 10, reason: 'first count' })).statusCode,
      201,
    );
    const reserved = await call('POST', '/inventory/reservations', {
      reservationId: 'e2e-reservation-1',
      items: [{ sku: 'E2E-SKU-1', quantity: 3 }],
      ttlSeconds: 3600,
    });
    assert.equal(reserved.statusCode, 201);

    const page = await openConsole();
    const violations = cspViolations(page);
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await openPage(page, 'Inventory');
    const sku = page.getByLabel('SKU', { exact: true });

    await sku.fill('no such sku!');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#sku-error').filter({ hasText: /./ }).waitFor();
    assert.equal(await sku.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#sku-error').innerText(), /^sku must match pattern/);

    await sku.fill('E2E-SKU-1');
    await page.getByRole('button', { name: 'Look up' }).click();
    const figures = page.locator('dl.figures');
    await figures.waitFor();
    assert.equal(await sku.getAttribute('aria-invalid'), null);
    assert.deepEqual(await figures.locator('dd').allInnerTexts(), ['10', '3', '7', 'Yes']);
    await page.getByRole('cell', { name: 'first count' }).waitFor();
    const holding = page.getByRole('table').filter({ hasText: 'Active reservations' });
    assert.deepEqual(
      (await holding.locator('tbody tr').allInnerTexts()).map((row) => row.split('\t').slice(0, 2)),
      [['e2e-reservation-1', '3 × E2E-SKU-1']],
    );

    await page.getByLabel('Reservation id').fill('e2e-reservation-1');
    await page.getByRole('button', { name: 'Find reservation' }).click();
    const reservation = page.getByRole('table').filter({ hasText: 'Reservation e2e-reservation-1' });
    await reservation.waitFor();
    assert.match(await reservation.locator('caption').innerText(), /: active, expires/);
    assert.deepEqual(await reservation.locator('tbody tr').allInnerTexts(), ['E2E-SKU-1\t3']);
    await checkAccessibility(page, 'inventory');

    // a reason is required; below the reserved units the platform's 409 is shown at the quantity
    await page.getByLabel('Units on hand').fill('2');
    await page.getByRole('button', { name: 'Set quantity' }).click();
    await page.locator('#reason-error').filter({ hasText: 'Say why' }).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0);
    await page.getByLabel('Reason').fill('damaged in the warehouse');
    await page.getByRole('button', { name: 'Set quantity' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change the stock?' });
    assert.match(await dialog.innerText(), /on hand from 10 to 2 \(3 reserved\)/);
    await dialog.getByRole('button', { name: 'Set quantity' }).click();
    await page.locator('#quantity-error').filter({ hasText: '3 units reserved' }).waitFor();
    assert.equal(await page.getByLabel('Units on hand').getAttribute('aria-invalid'), 'true');
    await checkAccessibility(page, 'inventory-error');

    await page.getByLabel('Units on hand').fill('12');
    await page.getByLabel('Reason').fill('recount');
    await page.getByRole('button', { name: 'Set quantity' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Set quantity' }).click();
    await page.getByRole('status').filter({ hasText: 'E2E-SKU-1: on hand 12, available 9.' }).waitFor();
    await page.getByRole('cell', { name: 'recount' }).waitFor();
    assert.deepEqual(await figures.locator('dd').allInnerTexts(), ['12', '3', '9', 'Yes']);
    const stock = await platform.app.inject('/inventory/E2E-SKU-1');
    assert.equal(stock.json().quantity, 12);
    assert.deepEqual(violations, []);
    await page.context().close();
  });

  it('Benchmarks: the saved run charted with Vega-Lite, polyshop beside its anchor, under the CSP', async () => {
    const page = await openConsole();
    const violations = cspViolations(page);
    // Vega is a chunk of its own, fetched when a chart is first shown
    const vega: string[] = [];
    page.on('request', (request) => {
      if (/\/console\/chunks\/vega-render-\w+\.js$/.test(request.url())) vega.push(request.url());
    });
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    assert.deepEqual(vega, [], 'the overview does not load Vega');
    await openPage(page, 'Benchmarks');
    await page.getByRole('heading', { name: 'hot-sku on pglite', level: 2 }).waitFor();
    assert.match(await page.locator('main code').first().innerText(), /bench hot-sku --scale small/);
    const chart = page.locator('.chart svg');
    await chart.first().waitFor();
    // a bar per measurement and side: c=1 and c=16, polyshop and anchor
    assert.equal(await chart.first().locator('.mark-rect path').count(), 4);
    // Vega names the chart on its container (role graphics-document)
    assert.match(
      (await page.locator('.chart').first().getAttribute('aria-label')) ?? '',
      /polyshop beside its anchor/,
    );
    const rows = page.getByRole('table').filter({ hasText: 'operations/s' }).locator('tbody tr');
    assert.deepEqual((await rows.locator('th').allInnerTexts()).sort(), ['pglite c=1', 'pglite c=16']);
    await checkAccessibility(page, 'benchmarks');
    assert.equal(vega.length, 1, 'the Benchmarks page loaded the Vega chunk once');
    assert.equal((await platform.app.inject('/console/chunks/no-such-chunk.js')).statusCode, 404);
    assert.deepEqual(violations, []);
    await page.context().close();
  });
});
