import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  dropTestDatabase,
  eventually,
  postgresTargets,
  testDatabaseUrl,
} from '@polyshop/testing';
import { startPolyshop, type PolyshopProcess, httpJson } from '@polyshop/platform/testing';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import { recipients, SmtpSink } from '../support/smtp-sink.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const ADMIN = { email: 'notify-admin@polyshop.test', password: 'Sturdy-Keeper-Passw0rd!' };
const PASSWORD = 'Customer-Passw0rd!';
const MAX_ATTEMPTS = 3;

for (const target of postgresTargets()) {
  describe(`order notifications through polyshop start on ${target.name}`, { skip: target.skip }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-notifications-e2e-'));
    const sku = `NOTIFY-${target.name.toUpperCase()}`;
    let database: { url: string; name: string } | undefined;
    let smtp: SmtpSink;
    let sms: WebhookReceiver;
    let running: PolyshopProcess | undefined;
    let base: string;
    let customer: { id: string; email: string; token: string };

    before(async () => {
      smtp = await SmtpSink.start();
      sms = await WebhookReceiver.start({ failFirst: Infinity, failStatus: 502 });
      const env: Record<string, string> = {
        POLYSHOP_ADMIN_EMAIL: ADMIN.email,
        POLYSHOP_ADMIN_PASSWORD: ADMIN.password,
        SMTP_URL: smtp.url,
        SMTP_FROM: 'polyshop <orders@polyshop.test>',
        NOTIFICATIONS_SMS_WEBHOOK_URL: sms.url,
        NOTIFICATIONS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        NOTIFICATIONS_RETRY_BASE_MS: '50',
        NOTIFICATIONS_POLL_MS: '100',
      };
      if (target.name === 'postgres') {
        database = await createTestDatabase(testDatabaseUrl()!);
        env.DATABASE_URL = database.url;
      }
      running = await startPolyshop({ dataDir, env });
      base = running.url;

      const admin = (await httpJson(base, 'POST', '/users/login', { body: ADMIN })).body
        .accessToken as string;
      assert.equal(
        (
          await httpJson(base, 'POST', '/products/categories', {
            token: admin,
            body: { slug: 'notify', name: 'Notify' },
          })
        ).status,
        201,
      );
      const product = await httpJson(base, 'POST', '/products', {
        token: admin,
        body: {
          name: 'Notebook',
          category: 'notify',
          currency: 'USD',
          basePrice: '12.50',
          status: 'active',
          variants: [{ sku, price: '12.50' }],
        },
      });
      assert.equal(product.status, 201, JSON.stringify(product.body));
      assert.equal(
        (
          await httpJson(base, 'PUT', `/inventory/${sku}`, {
            token: admin,
            body: { quantity: 10, reason: 'notifications e2e' },
          })
        ).status,
        201,
      );

      const email = `customer-${randomUUID()}@polyshop.test`;
      const registered = await httpJson(base, 'POST', '/users/register', {
        body: { email, password: PASSWORD, name: 'Grace Hopper' },
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const token = (await httpJson(base, 'POST', '/users/login', { body: { email, password: PASSWORD } }))
        .body.accessToken as string;
      customer = { id: registered.body.id, email, token };
    });
    after(async () => {
      await running?.stop();
      await Promise.all([smtp?.close(), sms?.close()]);
      if (database) await dropTestDatabase(testDatabaseUrl()!, database.name);
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function placeOrder(quantity: number): Promise<{ id: string; orderNumber: string; total: string }> {
      const placed = await httpJson(base, 'POST', '/orders', {
        token: customer.token,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          items: [{ sku, quantity }],
          shippingAddress: {
            name: 'Grace Hopper',
            line1: '1 Main St',
            city: 'Springfield',
            postalCode: '12345',
            country: 'US',
            region: 'US',
          },
          payment: {
            method: 'card',
            card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' },
          },
        },
      });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.status, 'confirmed');
      return placed.body;
    }

    /** The customer's order_confirmation notification for an order, once settled (read with their own token). */
    function confirmationOf(orderNumber: string): Promise<NotificationRecord> {
      return eventually(
        async () => {
          const list = await httpJson(base, 'GET', '/notifications?type=order_confirmation', {
            token: customer.token,
          });
          assert.equal(list.status, 200, JSON.stringify(list.body));
          const record = (list.body.items as NotificationRecord[]).find(
            (r) => r.template.variables.orderNumber === orderNumber,
          );
          return record && record.status !== 'pending' ? record : undefined;
        },
        { message: `the confirmation notification of ${orderNumber}` },
      );
    }

    it('emails the order confirmation with the order number and total; a failing sms webhook is retried, then failed', async () => {
      const put = await httpJson(base, 'PUT', `/notifications/preferences/${customer.id}`, {
        token: customer.token,
        body: { email: true, sms: true, push: true, phone: '+15550142' },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const order = await placeOrder(2);

      const mail = await smtp.waitFor(
        (m) => m.subject === `Order Confirmed - ${order.orderNumber}`,
        `the confirmation email of ${order.orderNumber}`,
      );
      assert.deepEqual(recipients(mail), [customer.email]);
      assert.match(mail.text ?? '', new RegExp(`Total: ${order.total.replace('.', '\\.')} USD`));
      assert.match(mail.text ?? '', /Dear Grace Hopper, your order for Notebook has been confirmed/);
      assert.match(String(mail.html), new RegExp(`<strong>${order.total.replace('.', '\\.')} USD</strong>`));

      const record = await confirmationOf(order.orderNumber);
      const email = record.channels.find((c) => c.type === 'email')!;
      assert.deepEqual([email.status, email.messageId], ['sent', mail.messageId]);
      const smsEntry = record.channels.find((c) => c.type === 'sms')!;
      assert.equal(smsEntry.status, 'failed');
      assert.equal(smsEntry.attempts, MAX_ATTEMPTS);
      assert.match(smsEntry.error ?? '', /sms webhook answered 502/);
      assert.equal(sms.callsFor(record.id).length, MAX_ATTEMPTS);
      assert.equal(record.metadata.retryCount, MAX_ATTEMPTS - 1);
      assert.equal(record.status, 'partially_sent');
    });

    it('sends no email once the customer opted out of email', async () => {
      const put = await httpJson(base, 'PUT', `/notifications/preferences/${customer.id}`, {
        token: customer.token,
        body: { email: false, sms: false, push: false },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const order = await placeOrder(1);
      const record = await confirmationOf(order.orderNumber);
      assert.deepEqual(
        record.channels.map((c) => [c.type, c.status]),
        [
          ['email', 'suppressed'],
          ['sms', 'suppressed'],
          ['push', 'suppressed'],
        ],
      );
      assert.equal(smtp.messages.filter((m) => m.subject?.includes(order.orderNumber)).length, 0);
      assert.equal(smtp.to(customer.email).filter((m) => m.subject?.startsWith('Order Confirmed')).length, 1);
    });
  });
}
