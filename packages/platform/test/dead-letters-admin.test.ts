import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, systemClock } from '@polyshop/kernel';
import { definition as users } from '@polyshop/users';
import {
  adminToken,
  createTestPlatform,
  userWithPermissions,
  type TestPlatform,
} from '@polyshop/platform/testing';
import { eventually, postgresTargets } from '@polyshop/testing';
import { flakyConsumer } from './support/flaky-consumer-service.ts';

for (const target of postgresTargets()) {
  describe(`admin dead letters over HTTP, on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let admin: string;
    const get = (url: string, token = admin) =>
      platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const replay = (id: string) =>
      platform.app.inject({
        method: 'POST',
        url: `/admin/dead-letters/${id}/replay`,
        headers: { authorization: `Bearer ${admin}` },
      });

    before(async () => {
      flakyConsumer.fixed = false;
      flakyConsumer.handled.length = 0;
      platform = await createTestPlatform({
        target: target.name,
        definitions: [users, flakyConsumer.definition],
      });
      admin = await adminToken(platform);
    });
    after(() => platform?.dispose());

    it('401 without a token, 403 without platform:read or platform:admin', async () => {
      assert.equal((await platform.app.inject('/admin/dead-letters')).statusCode, 401);
      const reader = await userWithPermissions(platform, ['products:read']);
      const forbidden = await get('/admin/dead-letters', reader.token);
      assert.equal(forbidden.statusCode, 403);
      assert.match(forbidden.headers['content-type'] as string, /^application\/problem\+json/);
    });

    it('lets staff with platform:read list dead letters but not replay one (403)', async () => {
      const staff = await userWithPermissions(platform, ['platform:read']);
      assert.equal((await get('/admin/dead-letters', staff.token)).statusCode, 200);
      const refused = await platform.app.inject({
        method: 'POST',
        url: '/admin/dead-letters/1/replay',
        headers: { authorization: `Bearer ${staff.token}` },
      });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.headers['content-type'] as string, /^application\/problem\+json/);
    });

    it('lists what a consumer gave up on, and replays it to that consumer once it is fixed', async () => {
      const event = createEvent(
        'orders',
        { type: 'order.confirmed', aggregateType: 'order', aggregateId: 'o-1', data: { orderId: 'o-1' } },
        systemClock,
      );
      await platform.bus.publish(event);
      await eventually(async () => (await get('/admin/dead-letters')).json().items.length === 1, {
        message: 'the event was dead-lettered',
      });
      const [letter] = (await get('/admin/dead-letters?consumer=probe.order-confirmed&pending=true')).json()
        .items;
      assert.deepEqual(
        {
          consumer: letter.consumer,
          eventId: letter.eventId,
          eventType: letter.eventType,
          error: letter.error,
          attempts: letter.attempts,
          replayedAt: letter.replayedAt,
        },
        {
          consumer: 'probe.order-confirmed',
          eventId: event.id,
          eventType: 'order.confirmed',
          error: 'template missing',
          attempts: 5,
          replayedAt: null,
        },
      );
      assert.deepEqual(letter.event, event);
      assert.equal((await get(`/admin/dead-letters/${letter.id}`)).json().id, letter.id);

      const failed = await replay(letter.id);
      assert.equal(failed.statusCode, 409);
      assert.equal(failed.json().code, 'EVENTS.REPLAY_FAILED');
      assert.deepEqual(flakyConsumer.handled, []);

      flakyConsumer.fixed = true;
      const replayed = await replay(letter.id);
      assert.equal(replayed.statusCode, 200);
      assert.equal(replayed.json().attempts, 6);
      assert.ok(Date.parse(replayed.json().replayedAt));
      assert.deepEqual(flakyConsumer.handled, [event.id]);
      assert.deepEqual((await get('/admin/dead-letters?pending=true')).json().items, []);
      const again = await replay(letter.id);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'EVENTS.ALREADY_REPLAYED');
    });

    it('answers an unknown or malformed id with 404, and a bad filter with 400 naming the field', async () => {
      for (const id of ['424242', 'not-a-number']) {
        const missing = await replay(id);
        assert.equal(missing.statusCode, 404);
        assert.deepEqual(
          { code: missing.json().code, field: missing.json().field },
          { code: 'EVENTS.DEAD_LETTER_NOT_FOUND', field: 'id' },
        );
      }
      const badLimit = await get('/admin/dead-letters?limit=0');
      assert.equal(badLimit.statusCode, 400);
      assert.equal(badLimit.json().field, 'limit');
      const badPending = await get('/admin/dead-letters?pending=maybe');
      assert.equal(badPending.statusCode, 400);
      assert.equal(badPending.json().field, 'pending');
    });
  });
}
