import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { eventually, mongoTarget } from '@polyshop/testing';
import {
  adminToken,
  createTestPlatform,
  TEST_ADMIN,
  TEST_PASSWORD,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { seedDemoIfEmpty } from '../src/cli/seed-command.ts';
import { checkoutBody } from '../../services/orders/test/fixtures/checkout-platform.ts';
import { chromiumSkip } from './support/chromium.ts';
import { checkAccessibility, launchChromium, openConsole, signIn } from './support/console-browser.ts';
import { mongoUrlOf, type MongoNamespace } from './support/catalogue-migration.ts';

const mongo = mongoTarget();
const skip = chromiumSkip() || mongo.skip;

/**
 * Issue 18's "Must show", the console's acting pages in Chromium against a listening platform (PGlite,
 * with a namespace of the real MongoDB as the catalogue's other store, a seeded catalogue and an order
 * placed through the API): a product migration run from the Migrations page to read-switch and rolled
 * back; an order found by its number and its saga timeline read; a product edited while another tab
 * changed it, the 412 shown and the product reloaded. axe-core and a screenshot on each page.
 */
describe(
  'the operator console acts: migrations, orders, catalogue (Chromium, PGlite + MongoDB)',
  { skip },
  () => {
    let platform: TestPlatform;
    let opened: MongoNamespace;
    let baseUrl: string;
    let browser: Browser;
    let admin: string;
    const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) =>
      platform.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        ...(payload ? { payload } : {}),
      });

    before(async () => {
      opened = await mongo.open();
      platform = await createTestPlatform({
        target: 'pglite',
        env: { MONGODB_URL: mongoUrlOf(opened) },
      });
      await seedDemoIfEmpty(platform, '12');
      admin = await adminToken(platform);
      baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await platform?.dispose();
      if (opened) await mongo.close(opened);
    });

    /** A new tab signed in, on the console page named `name` (through the navigation). */
    async function signedIn(
      name: string,
      email: string = TEST_ADMIN.email,
      password: string = TEST_ADMIN.password,
    ): Promise<Page> {
      const tab = await openConsole(browser, baseUrl);
      await signIn(tab, email, password);
      await tab.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      await tab.getByRole('navigation').getByRole('link', { name, exact: true }).click();
      await tab.getByRole('heading', { name, level: 1 }).waitFor();
      return tab;
    }

    /**
     * Asks for an action on a service's migration, confirms it in the dialog and waits for the page to
     * say `outcome`. A 409 MIGRATION.MEMBERS_BEHIND (a process of the service has not applied the last
     * phase within the server's 10 s wait, as happens on a loaded machine) is asked again, as an
     * operator would; any other refusal fails.
     */
    async function act(page: Page, service: string, button: string, outcome: RegExp) {
      const section = page.locator('section.migration', {
        has: page.getByRole('heading', { name: service, level: 2 }),
      });
      const status = page.locator('p[role="status"]').first();
      for (let attempt = 1; ; attempt++) {
        await section.getByRole('button', { name: button, exact: true }).click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await dialog.getByRole('button', { name: button, exact: true }).click();
        const said = page
          .locator('p[role="status"]')
          .filter({ hasText: new RegExp(`${outcome.source}|\\(MIGRATION\\.`) });
        await said.waitFor({ timeout: 60_000 });
        const text = await status.innerText();
        if (outcome.test(text)) return;
        if (!text.includes('MIGRATION.MEMBERS_BEHIND') || attempt === 3)
          assert.fail(`${service} ${button}: the page said "${text}"`);
      }
    }

    const phaseOf = async () =>
      (await api('GET', '/admin/migrations/products', admin)).json<{ phase: string }>().phase;

    it('Migrations: the admin moves products to MongoDB up to read-switch from the page, then rolls back', async () => {
      const page = await signedIn('Migrations');
      await page.getByRole('heading', { name: 'Migrations', level: 1 }).waitFor();
      const products = page.locator('section.migration', {
        has: page.getByRole('heading', { name: 'products', level: 2 }),
      });
      await products.getByText('On postgres, not moving').waitFor();
      await checkAccessibility(page, 'migrations-idle');

      assert.equal(await products.getByLabel('Move to').inputValue(), 'mongodb');
      // cancelling the confirmation does nothing
      await products.getByRole('button', { name: 'Start', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await api('GET', '/admin/migrations/products', admin)).statusCode, 404);

      await act(page, 'products', 'Start', /products started moving to mongodb: phase dual-write/);
      await act(page, 'products', 'Advance', /products is now in backfill/);
      await act(page, 'products', 'Run backfill', /Backfill of products complete: \d+ copied/);
      await products.getByText(/^complete: \d+ copied/).waitFor();
      await act(page, 'products', 'Advance', /products is now in verify/);
      // a product changed behind the migration's back in MongoDB: verify lists it, repair copies PostgreSQL's side
      const tampered = await opened.connection.db
        .collection<{ _id: string }>('products')
        .findOneAndUpdate({}, { $set: { name: 'changed in MongoDB alone' } });
      assert.ok(tampered, 'a product was copied to MongoDB');
      await act(page, 'products', 'Verify', /Verify of products: 1 difference\(s\)\.$/);
      const differences = page.getByRole('table', { name: /Differences the last verify found/ });
      assert.deepEqual(await differences.locator('tbody td').allInnerTexts(), [
        'products',
        tampered._id,
        'different',
      ]);
      await checkAccessibility(page, 'migrations-differences');
      await act(
        page,
        'products',
        'Verify and repair',
        /1 difference\(s\); repaired: 1 copied, 0 removed, 0 failed\./,
      );
      await act(page, 'products', 'Verify', /both stores hold the same records/);
      assert.equal(await differences.count(), 0);
      await act(page, 'products', 'Advance', /products is now in read-switch/);
      assert.equal(await phaseOf(), 'read-switch');
      await products.getByText('Phase 4 of 6').waitFor();
      assert.equal(await products.locator('progress').getAttribute('value'), '4');
      assert.match(await products.locator('dl.facts').innerText(), /Last verify\s+clean in verify/);
      // the overview says where the catalogue reads from now
      await checkAccessibility(page, 'migrations');

      await act(page, 'products', 'Roll back', /products: rollback done, phase idle/);
      assert.equal(await phaseOf(), 'idle');
      await products.getByText('On postgres, not moving').waitFor();
      await page.context().close();
    });

    it('Migrations: platform:read staff follow a migration without any action', async () => {
      const reader = await userWithPermissions(platform, ['platform:read']);
      const page = await signedIn('Migrations', reader.email, TEST_PASSWORD);
      await page.getByText('Acting needs platform:admin; this view is read-only.').waitFor();
      await page.locator('section.migration').first().waitFor();
      assert.equal(await page.locator('section.migration button').count(), 0);
      await page.context().close();
    });

    it('Orders: finds an order placed through the API by its number and reads its saga timeline and payment', async () => {
      const listing = (await api('GET', '/products/?limit=1', admin)).json<{
        items: { variants: { sku: string }[] }[];
      }>();
      const sku = listing.items[0]!.variants[0]!.sku;
      const customer = await userWithPermissions(platform, []);
      const placed = await api('POST', '/orders', customer.token, checkoutBody([{ sku, quantity: 1 }]));
      assert.equal(placed.statusCode, 201, placed.body);
      const order = placed.json<{ id: string; orderNumber: string; total: string }>();

      // the order confirmation goes out on order.confirmed, through the bus: wait for it to be recorded
      await eventually(
        async () => {
          const sent = await api('GET', `/notifications/?userId=${customer.userId}`, admin);
          return sent
            .json<{ items: { type: string }[] }>()
            .items.some((n) => n.type === 'order_confirmation');
        },
        { message: "the order's confirmation notification" },
      );
      const page = await signedIn('Orders');
      await page.getByLabel('Order number, customer email or user id').fill(order.orderNumber.toLowerCase());
      await page.getByRole('button', { name: 'Find' }).click();
      await page.getByRole('heading', { name: new RegExp(`Order ${order.orderNumber}`) }).waitFor();
      const timeline = page.getByRole('list', { name: 'Saga timeline' });
      await timeline.waitFor();
      // each step's words without its time (a <time>, in the browser's locale)
      const steps = await timeline.getByRole('listitem').evaluateAll((items) =>
        items.map((item) =>
          [...item.childNodes]
            .filter((node) => node.nodeName !== 'TIME')
            .map((node) => node.textContent)
            .join('')
            .trim(),
        ),
      );
      assert.deepEqual(steps, [
        'started',
        'started → stock_reserved',
        'stock_reserved → payment_authorized',
        'payment_authorized → stock_committed',
        'stock_committed → payment_captured',
        'payment_captured → confirmed',
      ]);
      const lines = page.getByRole('table', { name: /Lines and totals/ });
      assert.match(await lines.innerText(), new RegExp(`Total\\s+${order.total.replace('.', '\\.')}`));
      const audit = page.getByRole('table', { name: /Audit log of payment/ });
      await audit.waitFor();
      assert.match(await audit.innerText(), /authorized[\s\S]*captured/);
      const notifications = page.getByRole('list', { name: 'Notifications sent' });
      assert.match(await notifications.innerText(), /^order_confirmation \(/);
      await checkAccessibility(page, 'orders');

      // by the customer's email: the same order
      await page.getByLabel('Order number, customer email or user id').fill(customer.email);
      await page.getByRole('button', { name: 'Find' }).click();
      await page.getByRole('status').filter({ hasText: '1 order found.' }).waitFor();
      await page.context().close();
    });

    it('Catalogue: filters by a facet, and an edit made stale by another tab is refused with 412, then reloaded', async () => {
      const page = await signedIn('Catalogue');
      await page.getByRole('table', { name: 'Products' }).waitFor();
      // a category with facets: choosing a value filters by attr.<name>
      const categories = await page.getByLabel('Category').locator('option').allInnerTexts();
      assert.ok(categories.length > 1, categories.join(', '));
      await page.getByLabel('Category').selectOption({ index: 1 });
      const facet = page.locator('fieldset.facets input[type="checkbox"]').first();
      await facet.waitFor();
      const label = await page.locator('fieldset.facets label').first().innerText();
      const count = Number(/\((\d+)\)$/.exec(label)![1]);
      await facet.check();
      await page
        .getByRole('status')
        .filter({ hasText: new RegExp(`^${count}\\+? products? shown\\.$`) })
        .waitFor();
      await checkAccessibility(page, 'catalogue');

      const first = page.getByRole('table', { name: 'Products' }).locator('tbody tr').first();
      const name = await first.getByRole('rowheader').innerText();
      await first.getByRole('button', { name: `Edit ${name}` }).click();
      await page.getByLabel('Name').waitFor();

      // another tab opens the same product and saves it first
      const other = await signedIn('Catalogue');
      await other
        .getByRole('button', { name: `Edit ${name}` })
        .first()
        .click();
      await other.getByLabel('Name').fill(`${name} (other tab)`);
      await other.getByRole('button', { name: 'Save' }).click();
      await other.getByText(/^Saved: version \d+\.$/).waitFor();
      await other.context().close();

      await page.getByLabel('Name').fill(`${name} (this tab)`);
      await page.getByRole('button', { name: 'Save' }).click();
      const conflict = page.getByRole('alert').filter({ hasText: 'Changed elsewhere: not saved (412)' });
      await conflict.waitFor();
      assert.match(
        await conflict.innerText(),
        new RegExp(`name: now “${escape(name)} \\(other tab\\)”, yours “${escape(name)} \\(this tab\\)”`),
      );
      assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true);
      await checkAccessibility(page, 'catalogue-conflict');

      await conflict.getByRole('button', { name: 'Reload the product' }).click();
      await conflict.waitFor({ state: 'detached' });
      assert.equal(await page.getByLabel('Name').inputValue(), `${name} (other tab)`);
      await page.getByLabel('Name').fill(`${name} (this tab)`);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(/^Saved: version \d+\.$/).waitFor();
      await page.context().close();
    });
  },
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
