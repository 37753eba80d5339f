import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import { NotificationsHttpClient } from '../../src/notifications-client.ts';
import { call } from '../support/platform-calls.ts';
import { platformStoreTargets } from '../support/store-targets.ts';

type User = { userId: string; email: string; token: string };

const orderVariables = {
  orderNumber: 'ORD-7',
  customerName: 'Ada',
  productNames: ['iPhone 15'],
  itemCount: 1,
  subtotal: '999.00',
  tax: '0.00',
  shipping: '0.00',
  total: '999.00',
  currency: 'USD',
};

// No SMTP_URL and no webhook URLs: every channel is recorded as skipped, naming the variable to set.
for (const store of platformStoreTargets()) {
  describe(`notification API on ${store.name}`, { skip: store.skip }, () => {
    let platform: TestPlatform;
    let admin: string;
    let sender: User;
    let reader: User;
    let plain: User;

    before(async () => {
      platform = await createTestPlatform({
        target: store.target,
        services: ['users', 'notifications'],
        env: store.env(),
      });
      admin = await adminToken(platform);
      sender = await userWithPermissions(platform, ['notifications:send']);
      reader = await userWithPermissions(platform, ['notifications:read']);
      plain = await userWithPermissions(platform, []);
    });
    after(async () => {
      await platform?.dispose();
      await store.dispose();
    });

    async function expectProblem(
      response: { statusCode: number; json(): unknown; body: string },
      status: number,
      code: string,
      field?: string,
    ) {
      assert.equal(response.statusCode, status, response.body);
      const problem = response.json() as { code: string; field?: string };
      assert.equal(problem.code, code, response.body);
      if (field !== undefined) assert.equal(problem.field, field, response.body);
    }

    async function sendTo(userId: string, type = 'order_confirmation'): Promise<NotificationRecord> {
      const response = await call(platform, 'POST', '/notifications', {
        token: admin,
        body: { type, recipient: { userId }, variables: orderVariables },
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }

    it('answers 401 without a token on every route', async () => {
      for (const [method, url] of [
        ['GET', '/notifications'],
        ['GET', '/notifications/0190b6c4-5c1e-7000-8000-000000000000'],
        ['POST', '/notifications'],
        ['GET', '/notifications/templates'],
        ['PUT', '/notifications/templates/welcome/email'],
        ['GET', `/notifications/preferences/${plain.userId}`],
        ['PUT', `/notifications/preferences/${plain.userId}`],
      ] as const) {
        const response = await call(
          platform,
          method,
          url,
          method === 'PUT' || method === 'POST' ? { body: {} } : {},
        );
        assert.equal(response.statusCode, 401, `${method} ${url}`);
      }
    });

    it('sends ad hoc with notifications:send, recording unconfigured channels as skipped', async () => {
      await expectProblem(
        await call(platform, 'POST', '/notifications', {
          token: plain.token,
          body: { type: 'welcome', recipient: { userId: plain.userId }, variables: { customerName: 'x' } },
        }),
        403,
        'AUTH.FORBIDDEN',
      );
      const response = await call(platform, 'POST', '/notifications', {
        token: sender.token,
        body: {
          type: 'order_confirmation',
          recipient: { userId: plain.userId, email: 'ada@example.com' },
          variables: orderVariables,
          campaign: 'spring',
          priority: 'low',
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      const record = response.json<NotificationRecord>();
      assert.equal(record.status, 'not_sent');
      assert.deepEqual(
        record.channels.map((c) => [c.type, c.status, c.reason]),
        [
          ['email', 'skipped', 'email is not configured (set SMTP_URL)'],
          ['sms', 'skipped', 'sms is not configured (set NOTIFICATIONS_SMS_WEBHOOK_URL)'],
          ['push', 'skipped', 'push is not configured (set NOTIFICATIONS_PUSH_WEBHOOK_URL)'],
        ],
      );
      assert.deepEqual(record.metadata, {
        campaign: 'spring',
        priority: 'low',
        retryCount: 0,
        sentBy: sender.userId,
      });
      assert.equal(record.recipient.email, 'ada@example.com');
    });

    it('rejects ad hoc sends it cannot render, naming what is missing', async () => {
      const send = (body: object) => call(platform, 'POST', '/notifications', { token: sender.token, body });
      const { orderNumber: _omitted, ...withoutNumber } = orderVariables;
      await expectProblem(
        await send({
          type: 'order_confirmation',
          recipient: { userId: plain.userId },
          variables: withoutNumber,
        }),
        400,
        'NOTIFICATIONS.MISSING_VARIABLE',
        'variables.orderNumber',
      );
      await expectProblem(
        await send({ type: 'no_such_type', recipient: { userId: plain.userId }, variables: {} }),
        400,
        'NOTIFICATIONS.TEMPLATE_NOT_FOUND',
        'type',
      );
      await expectProblem(
        await send({ type: 'welcome', recipient: {}, variables: { customerName: 'x' } }),
        400,
        'NOTIFICATIONS.RECIPIENT_REQUIRED',
        'recipient',
      );
      await expectProblem(
        await send({
          type: 'welcome',
          recipient: { email: 'not-an-email' },
          variables: { customerName: 'x' },
        }),
        400,
        'REQUEST.VALIDATION',
        'recipient.email',
      );
      await expectProblem(
        await send({
          type: 'welcome',
          recipient: { email: 'a@example.com' },
          variables: { customerName: 'x' },
          channels: ['fax'],
        }),
        400,
        'REQUEST.VALIDATION',
        'channels.0',
      );
      await expectProblem(
        await send({ type: 'Bad Type', recipient: { email: 'a@example.com' }, variables: {} }),
        400,
        'REQUEST.VALIDATION',
        'type',
      );
    });

    it('keeps template versions: built-ins seeded, each PUT a new version, undeclared variables refused', async () => {
      await expectProblem(
        await call(platform, 'GET', '/notifications/templates', { token: sender.token }),
        403,
        'AUTH.FORBIDDEN',
      );
      const list = await call(platform, 'GET', '/notifications/templates', { token: admin });
      assert.equal(list.statusCode, 200);
      assert.equal(list.json().length, 15);
      const seeded = await call(platform, 'GET', '/notifications/templates/order_confirmation/email', {
        token: admin,
      });
      assert.equal(seeded.json().subject, 'Order Confirmed - #{orderNumber}');
      assert.equal(seeded.json().version, 1);

      const put = (path: string, body: object) =>
        call(platform, 'PUT', `/notifications/templates/${path}`, { token: admin, body });
      await expectProblem(
        await put('promo/email', { subject: 'Hi #{name}', body: 'Sale: #{discount}', variables: ['name'] }),
        400,
        'NOTIFICATIONS.UNDECLARED_VARIABLE',
        'body',
      );
      await expectProblem(
        await put('promo/email', { body: 'Sale', variables: [] }),
        400,
        'NOTIFICATIONS.SUBJECT_REQUIRED',
        'subject',
      );
      await expectProblem(
        await put('promo/sms', { body: 'Sale', html: '<p>Sale</p>', variables: [] }),
        400,
        'NOTIFICATIONS.HTML_NOT_SUPPORTED',
        'html',
      );
      await expectProblem(
        await put('promo/sms', { body: 'Sale #{#x}', variables: ['x'] }),
        400,
        'NOTIFICATIONS.TEMPLATE_SYNTAX',
        'body',
      );
      await expectProblem(
        await put('promo/fax', { body: 'Sale', variables: [] }),
        400,
        'REQUEST.VALIDATION',
        'channel',
      );
      await expectProblem(
        await put('promo/sms', { body: 'Sale', variables: ['not valid'] }),
        400,
        'REQUEST.VALIDATION',
        'variables.0',
      );
      await expectProblem(
        await call(platform, 'PUT', '/notifications/templates/promo/sms', {
          token: sender.token,
          body: { body: 'x', variables: [] },
        }),
        403,
        'AUTH.FORBIDDEN',
      );

      const v1 = await put('promo/sms', { body: '#{discount} off today', variables: ['discount'] });
      const v2 = await put('promo/sms', {
        body: '#{discount} off, this week only',
        variables: ['discount'],
        description: 'longer sale',
      });
      assert.deepEqual([v1.statusCode, v1.json().version, v2.json().version], [200, 1, 2]);
      assert.equal(
        v2.json().createdBy,
        (await call(platform, 'GET', '/users/me', { token: admin })).json().id,
      );
      assert.equal(
        (await call(platform, 'GET', '/notifications/templates/promo/sms?version=1', { token: admin })).json()
          .body,
        '#{discount} off today',
      );
      assert.deepEqual(
        (await call(platform, 'GET', '/notifications/templates/promo/sms/versions', { token: admin }))
          .json()
          .map((t: { version: number }) => t.version),
        [2, 1],
      );
      await expectProblem(
        await call(platform, 'GET', '/notifications/templates/promo/sms?version=9', { token: admin }),
        404,
        'NOTIFICATIONS.TEMPLATE_NOT_FOUND',
        'version',
      );

      const sent = await call(platform, 'POST', '/notifications', {
        token: sender.token,
        body: { type: 'promo', recipient: { userId: plain.userId }, variables: { discount: '20%' } },
      });
      assert.equal(sent.statusCode, 201, sent.body);
      assert.deepEqual(sent.json().template.versions, { sms: 2 });
      await expectProblem(
        await call(platform, 'POST', '/notifications', {
          token: sender.token,
          body: {
            type: 'promo',
            recipient: { userId: plain.userId },
            variables: { discount: '5%' },
            channels: ['email'],
          },
        }),
        400,
        'NOTIFICATIONS.TEMPLATE_NOT_FOUND',
        'channels',
      );
    });

    it('shows each user only their own records unless they hold notifications:read', async () => {
      const owner = await userWithPermissions(platform, []);
      const other = await userWithPermissions(platform, []);
      const mine = await sendTo(owner.userId);
      const theirs = await sendTo(other.userId, 'order_cancelled');

      const own = await call(platform, 'GET', '/notifications', { token: owner.token });
      assert.equal(own.statusCode, 200);
      assert.ok((own.json().items as NotificationRecord[]).every((r) => r.recipient.userId === owner.userId));
      assert.ok((own.json().items as NotificationRecord[]).some((r) => r.id === mine.id));
      await expectProblem(
        await call(platform, 'GET', `/notifications?userId=${other.userId}`, { token: owner.token }),
        403,
        'AUTH.FORBIDDEN',
        'userId',
      );
      await expectProblem(
        await call(platform, 'GET', `/notifications/${theirs.id}`, { token: owner.token }),
        404,
        'NOTIFICATIONS.NOT_FOUND',
      );
      assert.equal(
        (await call(platform, 'GET', `/notifications/${mine.id}`, { token: owner.token })).json().id,
        mine.id,
      );

      const byReader = await call(
        platform,
        'GET',
        `/notifications?userId=${other.userId}&type=order_cancelled`,
        { token: reader.token },
      );
      assert.deepEqual(
        (byReader.json().items as NotificationRecord[]).map((r) => r.id),
        [theirs.id],
      );
      assert.equal(
        (await call(platform, 'GET', `/notifications/${theirs.id}`, { token: reader.token })).json().id,
        theirs.id,
      );
    });

    it('filters the delivery log by type, status and time, page by page, refusing bad filters', async () => {
      const user = await userWithPermissions(platform, []);
      const first = await sendTo(user.userId);
      const second = await sendTo(user.userId);
      const third = await sendTo(user.userId, 'order_cancelled');
      const get = (query: string) =>
        call(platform, 'GET', `/notifications?userId=${user.userId}&${query}`, { token: reader.token });
      const ids = async (query: string) =>
        ((await get(query)).json().items as NotificationRecord[]).map((r) => r.id);
      assert.deepEqual(await ids('type=order_cancelled'), [third.id]);
      assert.deepEqual(await ids('type=order_confirmation&status=not_sent'), [second.id, first.id]);
      assert.deepEqual(await ids('type=order_confirmation&status=sent'), []);
      assert.deepEqual(await ids(`type=order_confirmation&from=${encodeURIComponent(second.createdAt)}`), [
        second.id,
      ]);
      assert.deepEqual(await ids(`type=order_confirmation&to=${encodeURIComponent(second.createdAt)}`), [
        first.id,
      ]);
      const page = (await get('type=order_confirmation&limit=1')).json();
      assert.deepEqual(
        page.items.map((r: NotificationRecord) => r.id),
        [second.id],
      );
      assert.deepEqual(await ids(`type=order_confirmation&limit=1&cursor=${page.nextCursor}`), [first.id]);

      await expectProblem(await get('status=lost'), 400, 'REQUEST.VALIDATION', 'status');
      await expectProblem(await get('from=yesterday'), 400, 'REQUEST.VALIDATION', 'from');
      await expectProblem(await get('limit=0'), 400, 'REQUEST.VALIDATION', 'limit');
      await expectProblem(await get('cursor=bogus'), 400, 'NOTIFICATIONS.INVALID_CURSOR', 'cursor');
      await expectProblem(
        await get(`from=${encodeURIComponent(second.createdAt)}&to=${encodeURIComponent(first.createdAt)}`),
        400,
        'NOTIFICATIONS.INVALID_RANGE',
        'from',
      );
      await expectProblem(
        await call(platform, 'GET', '/notifications/not-a-uuid', { token: reader.token }),
        400,
        'REQUEST.VALIDATION',
        'id',
      );
      await expectProblem(
        await call(platform, 'GET', '/notifications/0190b6c4-5c1e-7000-8000-000000000000', {
          token: reader.token,
        }),
        404,
        'NOTIFICATIONS.NOT_FOUND',
      );
    });

    it('serves the same operations to another process through NotificationsHttpClient', async () => {
      const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const client = new NotificationsHttpClient(address, { token: () => admin });
      const record = await client.send({
        type: 'welcome',
        recipient: { userId: plain.userId, email: 'client@example.com' },
        variables: { customerName: 'Ada' },
      });
      assert.equal(record.type, 'welcome');
      assert.equal((await client.findNotification(record.id))?.id, record.id);
      assert.equal(await client.findNotification('0190b6c4-5c1e-7000-8000-000000000000'), undefined);
      assert.equal((await client.getPreferences(plain.userId)).userId, plain.userId);
      await assert.rejects(
        client.send({ type: 'welcome', recipient: { userId: plain.userId }, variables: {} }),
        (error: unknown) => {
          assert.equal((error as { code?: string }).code, 'NOTIFICATIONS.MISSING_VARIABLE');
          assert.equal((error as { field?: string }).field, 'variables.customerName');
          return true;
        },
      );
      const anonymous = new NotificationsHttpClient(address);
      await assert.rejects(
        anonymous.getPreferences(plain.userId),
        (error: unknown) => (error as { kind?: string }).kind === 'unauthorized',
      );
    });

    it('documents every route in the OpenAPI document', async () => {
      const docs = await call(platform, 'GET', '/docs/json');
      assert.equal(docs.statusCode, 200);
      const paths = Object.keys(docs.json().paths).filter((p) => p.startsWith('/notifications'));
      assert.deepEqual(
        paths.sort(),
        [
          '/notifications/',
          '/notifications/preferences/{userId}',
          '/notifications/templates',
          '/notifications/templates/{type}/{channel}',
          '/notifications/templates/{type}/{channel}/versions',
          '/notifications/{id}',
        ].sort(),
      );
    });

    it('lets users set their own preferences (admins anyone’s), and records them on the next send', async () => {
      const user = await userWithPermissions(platform, []);
      const url = `/notifications/preferences/${user.userId}`;
      assert.deepEqual((await call(platform, 'GET', url, { token: user.token })).json(), {
        userId: user.userId,
        email: true,
        sms: true,
        push: true,
        phone: null,
        updatedAt: null,
      });
      const saved = await call(platform, 'PUT', url, {
        token: user.token,
        body: { email: false, sms: true, push: false, phone: '+4915550123' },
      });
      assert.equal(saved.statusCode, 200, saved.body);
      const { updatedAt, ...stored } = saved.json<{ updatedAt: string }>();
      assert.deepEqual(stored, {
        userId: user.userId,
        email: false,
        sms: true,
        push: false,
        phone: '+4915550123',
      });
      assert.ok(!Number.isNaN(Date.parse(updatedAt)));
      // Omitting phone keeps it; null removes it.
      assert.equal(
        (
          await call(platform, 'PUT', url, {
            token: user.token,
            body: { email: false, sms: true, push: true },
          })
        ).json().phone,
        '+4915550123',
      );
      await expectProblem(
        await call(platform, 'PUT', url, {
          token: plain.token,
          body: { email: true, sms: true, push: true },
        }),
        403,
        'AUTH.FORBIDDEN',
        'userId',
      );
      await expectProblem(
        await call(platform, 'GET', url, { token: reader.token }),
        403,
        'AUTH.FORBIDDEN',
        'userId',
      );
      await expectProblem(
        await call(platform, 'PUT', url, {
          token: user.token,
          body: { email: true, sms: true, push: true, phone: '555-0100' },
        }),
        400,
        'REQUEST.VALIDATION',
        'phone',
      );
      await expectProblem(
        await call(platform, 'PUT', url, { token: user.token, body: { email: true, sms: true } }),
        400,
        'REQUEST.VALIDATION',
        'push',
      );
      await expectProblem(
        await call(platform, 'PUT', url, {
          token: user.token,
          body: { email: true, sms: true, push: true, fax: true },
        }),
        400,
        'REQUEST.VALIDATION',
        'fax',
      );

      const record = await sendTo(user.userId);
      assert.deepEqual(record.recipient.preferences, { email: false, sms: true, push: true });
      assert.equal(record.recipient.phone, '+4915550123');
      assert.deepEqual(
        record.channels.map((c) => c.status),
        ['suppressed', 'skipped', 'skipped'],
      );
      const byAdmin = await call(platform, 'PUT', url, {
        token: admin,
        body: { email: true, sms: false, push: false, phone: null },
      });
      assert.deepEqual([byAdmin.statusCode, byAdmin.json().phone], [200, null]);
    });
  });
}
