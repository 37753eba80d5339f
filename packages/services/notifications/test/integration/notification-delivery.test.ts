import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@polyshop/kernel';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import { eventually } from '@polyshop/testing';
import {
  anOrder,
  call,
  channel,
  orderEvent,
  refundEvent,
  settledNotificationOf,
  userEvent,
} from '../support/platform-calls.ts';
import { recipients, SmtpSink } from '../support/smtp-sink.ts';
import { platformStoreTargets } from '../support/store-targets.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const MAX_ATTEMPTS = 3;

for (const store of platformStoreTargets()) {
  describe(`notification delivery on ${store.name}`, { skip: store.skip }, () => {
    let platform: TestPlatform;
    let smtp: SmtpSink;
    let sms: WebhookReceiver;
    let push: WebhookReceiver;
    let admin: string;

    before(async () => {
      smtp = await SmtpSink.start();
      sms = await WebhookReceiver.start({ failFirst: Infinity, failStatus: 500 });
      push = await WebhookReceiver.start({ failFirst: 2, failStatus: 503 });
      platform = await createTestPlatform({
        target: store.target,
        services: ['users', 'notifications'],
        env: {
          ...store.env(),
          SMTP_URL: smtp.url,
          SMTP_FROM: 'polyshop <orders@polyshop.test>',
          NOTIFICATIONS_SMS_WEBHOOK_URL: sms.url,
          NOTIFICATIONS_PUSH_WEBHOOK_URL: push.url,
          NOTIFICATIONS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          NOTIFICATIONS_RETRY_BASE_MS: '20',
          NOTIFICATIONS_RETRY_MAX_MS: '100',
          NOTIFICATIONS_POLL_MS: '50',
        },
      });
      admin = await adminToken(platform);
    });
    after(async () => {
      await platform?.dispose();
      await Promise.all([smtp?.close(), sms?.close(), push?.close(), store.dispose()]);
    });

    /** A registered user (through the user service) and a confirmed order of theirs, published on the bus. */
    async function confirmOrderOf(user: { userId: string; email: string }) {
      const data = anOrder(user.userId, { customer: { email: user.email, name: 'Ada Lovelace' } });
      const event = orderEvent('order.confirmed', data);
      await platform.bus.publish(event);
      return { data, event, record: await settledNotificationOf(platform, admin, event, user.userId) };
    }

    it('welcomes a user who registers through the user service with an email', async () => {
      const user = await userWithPermissions(platform, []);
      const mail = await smtp.waitFor(
        (m) => recipients(m).includes(user.email.toLowerCase()),
        `the welcome email to ${user.email}`,
      );
      assert.match(mail.subject ?? '', /^Welcome to polyshop, Test user /);
      assert.equal(mail.from?.value[0]?.address, 'orders@polyshop.test');
    });

    it('emails the order confirmation with the order number and total; the record shows each channel', async () => {
      const user = await userWithPermissions(platform, []);
      const { data, record } = await confirmOrderOf(user);
      const mail = await smtp.waitFor(
        (m) => m.subject === `Order Confirmed - ${data.orderNumber}`,
        'the confirmation email',
      );
      assert.deepEqual(
        smtp.to(user.email).filter((m) => m.subject?.includes(data.orderNumber)),
        [mail],
      );
      assert.match(mail.text ?? '', /Total: 1294\.92 USD/);
      assert.match(mail.text ?? '', /your order for iPhone 15, AirPods Pro has been confirmed/);
      assert.match(String(mail.html), /<strong>1294\.92 USD<\/strong>/);

      assert.equal(record.type, 'order_confirmation');
      assert.deepEqual(record.recipient, {
        userId: user.userId,
        email: user.email,
        phone: null,
        preferences: { email: true, sms: true, push: true },
      });
      assert.equal(record.template.subject, 'Order Confirmed - #{orderNumber}');
      assert.equal(record.template.variables.orderNumber, data.orderNumber);
      assert.deepEqual(record.template.versions, { email: 1, sms: 1, push: 1 });
      assert.deepEqual(record.metadata.trigger?.eventType, 'order.confirmed');
      assert.equal(record.metadata.campaign, 'order_lifecycle');
      assert.equal(record.metadata.priority, 'high');
      const email = channel(record, 'email');
      assert.equal(email.status, 'sent');
      assert.equal(email.messageId, mail.messageId);
      assert.equal(email.deliveryStatus, 'accepted');
      assert.ok(email.sentAt);
      assert.deepEqual(
        [channel(record, 'sms').status, channel(record, 'sms').reason],
        ['skipped', 'no phone number'],
      );
      assert.equal(record.status, 'sent');
    });

    it('suppresses email for a user who opted out, sending nothing to the SMTP server', async () => {
      const user = await userWithPermissions(platform, []);
      const put = await call(platform, 'PUT', `/notifications/preferences/${user.userId}`, {
        token: user.token,
        body: { email: false, sms: false, push: true },
      });
      assert.equal(put.statusCode, 200);
      const { data, record } = await confirmOrderOf(user);
      assert.deepEqual(
        [channel(record, 'email').status, channel(record, 'email').reason],
        ['suppressed', 'recipient opted out of email'],
      );
      assert.equal(channel(record, 'sms').status, 'suppressed');
      assert.equal(channel(record, 'push').status, 'sent');
      assert.deepEqual(record.recipient.preferences, { email: false, sms: false, push: true });
      assert.equal(smtp.messages.filter((m) => m.subject?.includes(data.orderNumber)).length, 0);
    });

    it('retries a failing sms webhook with backoff, then marks it failed, while email still goes out', async () => {
      const user = await userWithPermissions(platform, []);
      await call(platform, 'PUT', `/notifications/preferences/${user.userId}`, {
        token: user.token,
        body: { email: true, sms: true, push: false, phone: '+15550100' },
      });
      const { data, record } = await confirmOrderOf(user);
      const smsEntry = channel(record, 'sms');
      assert.equal(smsEntry.status, 'failed');
      assert.equal(smsEntry.attempts, MAX_ATTEMPTS);
      assert.match(smsEntry.error ?? '', /sms webhook answered 500/);
      assert.equal(smsEntry.to, '+15550100');
      const calls = sms.callsFor(record.id);
      assert.equal(calls.length, MAX_ATTEMPTS);
      assert.ok(
        calls.every((c) => c.headers['idempotency-key'] === `${record.id}:sms` && c.body.to === '+15550100'),
      );
      assert.equal(calls[0]!.body.body, `polyshop: order ${data.orderNumber} confirmed, total 1294.92 USD.`);
      assert.equal(channel(record, 'email').status, 'sent');
      assert.equal(record.status, 'partially_sent');
      assert.equal(record.metadata.retryCount, MAX_ATTEMPTS - 1);
      await smtp.waitFor(
        (m) => m.subject === `Order Confirmed - ${data.orderNumber}`,
        'the email despite the sms outage',
      );
    });

    it('delivers through a flaky push webhook on a later attempt, with the same idempotency key', async () => {
      const user = await userWithPermissions(platform, []);
      const { record } = await confirmOrderOf(user);
      const pushEntry = channel(record, 'push');
      assert.equal(pushEntry.status, 'sent');
      assert.equal(pushEntry.attempts, 3);
      assert.equal(pushEntry.messageId, `provider-${record.id}:push`);
      assert.equal(pushEntry.to, user.userId);
      assert.deepEqual(
        push.callsFor(record.id).map((c) => c.status),
        [503, 503, 202],
      );
      assert.equal(record.metadata.retryCount, 2);
    });

    it('gives up on an address the SMTP server rejects after one attempt', async () => {
      const user = await userWithPermissions(platform, []);
      smtp.rejected.add(user.email.toLowerCase());
      const { record } = await confirmOrderOf(user);
      const email = channel(record, 'email');
      assert.equal(email.status, 'failed');
      assert.equal(email.attempts, 1);
      assert.match(email.error ?? '', /SMTP 550/);
    });

    it('creates one notification for an event delivered twice', async () => {
      const user = await userWithPermissions(platform, []);
      const event = orderEvent('order.failed', anOrder(user.userId, { reasonCode: 'PAYMENT.DECLINED' }));
      await platform.bus.publish(event);
      await platform.bus.publish(event);
      await settledNotificationOf(platform, admin, event, user.userId);
      await eventually(() => smtp.messages.some((m) => m.subject?.includes(event.data.orderNumber)), {
        message: 'the failure email',
      });
      const list = await call(platform, 'GET', `/notifications?userId=${user.userId}&type=order_failed`, {
        token: admin,
      });
      assert.equal(list.json().items.length, 1);
      const mails = smtp.messages.filter((m) => m.subject?.includes(event.data.orderNumber));
      assert.equal(mails.length, 1);
      assert.match(mails[0]!.text ?? '', /the payment was declined/);
    });

    it('addresses a refund notice through the order it belongs to', async () => {
      const user = await userWithPermissions(platform, []);
      const { data } = await confirmOrderOf(user);
      const event = refundEvent({
        paymentId: newId(),
        orderId: data.orderId,
        amount: '200.00',
        currency: 'USD',
        refundedTotal: '200.00',
        reason: 'AirPods returned',
      });
      await platform.bus.publish(event);
      const record = await settledNotificationOf(platform, admin, event, user.userId);
      assert.equal(record.type, 'payment_refunded');
      assert.equal(channel(record, 'email').status, 'sent');
      const mail = await smtp.waitFor(
        (m) => m.subject === `Refund for order ${data.orderNumber}`,
        'the refund email',
      );
      assert.deepEqual(smtp.to(user.email).includes(mail), true);
      assert.match(mail.text ?? '', /we refunded 200\.00 USD for order/);
    });

    it('sends the next notification with a newly saved template version and records the version', async () => {
      const put = await call(platform, 'PUT', '/notifications/templates/order_cancelled/email', {
        token: admin,
        body: {
          subject: 'Cancelled: #{orderNumber} (#{total} #{currency})',
          body: 'Hello #{customerName}, order #{orderNumber} is cancelled.',
          html: '<p>Hello #{customerName}</p>',
          variables: ['orderNumber', 'customerName', 'total', 'currency'],
        },
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal(put.json().version, 2);
      const user = await userWithPermissions(platform, []);
      const event = orderEvent(
        'order.cancelled',
        anOrder(user.userId, { customer: { email: user.email, name: '<b>Ada</b>' } }),
      );
      await platform.bus.publish(event);
      const record = await settledNotificationOf(platform, admin, event, user.userId);
      assert.equal(record.template.versions.email, 2);
      assert.equal(channel(record, 'email').templateVersion, 2);
      const mail = await smtp.waitFor(
        (m) => m.subject === `Cancelled: ${event.data.orderNumber} (1294.92 USD)`,
        'the email from version 2',
      );
      assert.equal(mail.text?.trim(), `Hello <b>Ada</b>, order ${event.data.orderNumber} is cancelled.`);
      assert.equal(String(mail.html).trim(), '<p>Hello &lt;b&gt;Ada&lt;&#x2F;b&gt;</p>');
    });

    it("erases a user's personal data on user.erased: records blanked, preferences gone, nothing sent after", async () => {
      const user = await userWithPermissions(platform, []);
      await call(platform, 'PUT', `/notifications/preferences/${user.userId}`, {
        token: user.token,
        body: { email: true, sms: false, push: false, phone: '+15550177' },
      });
      const { record } = await confirmOrderOf(user);
      await platform.bus.publish(userEvent('user.erased', user.userId, { userId: user.userId }));
      const erased = await eventually(
        async () => {
          const response = await call(platform, 'GET', `/notifications/${record.id}`, { token: admin });
          const body = response.json<NotificationRecord>();
          return body.recipient.email === null ? body : undefined;
        },
        { message: 'the erased record' },
      );
      assert.equal(erased.recipient.phone, null);
      assert.equal(erased.template.variables.customerName, null);
      assert.ok(erased.channels.every((c) => c.to === null && c.content === null));
      const preferences = await call(platform, 'GET', `/notifications/preferences/${user.userId}`, {
        token: admin,
      });
      assert.deepEqual(preferences.json(), {
        userId: user.userId,
        email: true,
        sms: true,
        push: true,
        phone: null,
        updatedAt: null,
      });

      const late = orderEvent(
        'order.cancelled',
        anOrder(user.userId, { customer: { email: user.email, name: 'Ada' } }),
      );
      await platform.bus.publish(late);
      // One consumer handles order.cancelled in order: once a later event's notification exists, the late one
      // was handled.
      const other = await userWithPermissions(platform, []);
      const sentinel = orderEvent(
        'order.cancelled',
        anOrder(other.userId, { customer: { email: other.email } }),
      );
      await platform.bus.publish(sentinel);
      await settledNotificationOf(platform, admin, sentinel, other.userId);
      const list = await call(platform, 'GET', `/notifications?userId=${user.userId}&type=order_cancelled`, {
        token: admin,
      });
      assert.equal(list.json().items.length, 0);
    });
  });
}
