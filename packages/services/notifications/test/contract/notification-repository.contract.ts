import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, createEvent, newId, systemClock } from '@polyshop/kernel';
import type { ClaimedNotification, NotificationRepository } from '../../src/ports/notification-repository.ts';
import { aChannel, aNotification } from '../support/builders.ts';
import type { MongoFeature } from '@polyshop/testing';

/** One repository under test and how to dispose of it. */
export interface RepositoryFixture {
  repository: NotificationRepository;
  close(): Promise<void>;
}

const t0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

/**
 * The behaviour every NotificationRepository adapter must have (PostgreSQL now, MongoDB later).
 * `makeRepository` gives an empty, migrated store; `skip` names why the store is not available here.
 */
export function notificationRepositoryContract(
  name: string,
  makeRepository: () => Promise<RepositoryFixture>,
  options: {
    skip?: string | false;
    /** Why the store cannot run a case that needs these features (`false`: it can); every case runs when absent. */
    unsupported?: (features: readonly MongoFeature[]) => string | false;
  } = {},
): void {
  // A case's `it` options: skipped, naming the missing feature, where the store lacks one it needs.
  const needs = (...features: MongoFeature[]) => ({ skip: options.unsupported?.(features) ?? false });
  describe(`NotificationRepository contract on ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: RepositoryFixture;
    let repo: NotificationRepository;
    before(async () => {
      fixture = await makeRepository();
      repo = fixture.repository;
    });
    after(async () => {
      await fixture?.close();
    });

    describe('records', () => {
      it('stores a seed-shaped document and reads it back unchanged', async () => {
        const record = aNotification({
          channels: [
            aChannel('email'),
            aChannel('sms', { status: 'suppressed', nextAttemptAt: null, reason: 'opted out' }),
          ],
        });
        await repo.records.create(record);
        assert.deepEqual(await repo.records.find(record.id), record);
        assert.equal(await repo.records.find(newId()), undefined);
        assert.equal(await repo.records.find('not-an-id'), undefined);
      });

      it('lists newest first with filters on user, type, status and time, page by page', async () => {
        const user = `u-${newId()}`;
        const make = (seconds: number, type: string, status: 'sent' | 'failed') =>
          aNotification({
            type,
            createdAt: iso(seconds),
            updatedAt: iso(seconds),
            recipient: {
              userId: user,
              email: 'a@example.com',
              phone: null,
              preferences: { email: true, sms: true, push: true },
            },
            channels: [aChannel('email', { status, nextAttemptAt: null })],
          });
        const records = [
          make(1, 'welcome', 'sent'),
          make(2, 'order_confirmation', 'sent'),
          make(3, 'order_confirmation', 'failed'),
          make(4, 'order_failed', 'sent'),
        ];
        for (const record of records) await repo.records.create(record);
        const ids = (page: { items: { id: string }[] }) => page.items.map((r) => r.id);

        assert.deepEqual(ids(await repo.records.list({ userId: user, limit: 10 })), [
          records[3]!.id,
          records[2]!.id,
          records[1]!.id,
          records[0]!.id,
        ]);
        assert.deepEqual(
          ids(await repo.records.list({ userId: user, type: 'order_confirmation', limit: 10 })),
          [records[2]!.id, records[1]!.id],
        );
        assert.deepEqual(ids(await repo.records.list({ userId: user, status: 'failed', limit: 10 })), [
          records[2]!.id,
        ]);
        assert.deepEqual(
          ids(await repo.records.list({ userId: user, from: iso(2), to: iso(4), limit: 10 })),
          [records[2]!.id, records[1]!.id],
        );

        const first = await repo.records.list({ userId: user, limit: 3 });
        assert.equal(first.items.length, 3);
        assert.ok(first.nextCursor);
        const second = await repo.records.list({ userId: user, limit: 3, cursor: first.nextCursor });
        assert.deepEqual(ids(second), [records[0]!.id]);
        assert.equal(second.nextCursor, null);
      });

      it('rejects a cursor it did not issue as invalid input on cursor', async () => {
        await assert.rejects(repo.records.list({ limit: 5, cursor: 'garbage' }), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.kind, 'invalid_input');
          assert.equal(error.field, 'cursor');
          return true;
        });
      });

      it(
        'claims due channels once until the lease lapses, only of the asked types',
        needs('arrayFilters'),
        async () => {
          const record = aNotification({
            createdAt: iso(0),
            updatedAt: iso(0),
            channels: [
              aChannel('email', { nextAttemptAt: iso(100) }),
              aChannel('sms', { nextAttemptAt: iso(100) }),
              aChannel('push', { nextAttemptAt: iso(100_000) }),
            ],
          });
          await repo.records.create(record);
          const claimedIds = (claims: ClaimedNotification[]) =>
            claims.filter((c) => c.record.id === record.id);

          assert.deepEqual(
            claimedIds(await repo.records.claimDue(at(99), at(130), 100, ['email', 'sms', 'push'])),
            [],
          );
          const first = claimedIds(await repo.records.claimDue(at(101), at(130), 100, ['email']));
          assert.equal(first.length, 1);
          assert.deepEqual(first[0]!.channels, ['email']);
          assert.equal(first[0]!.record.channels[0]!.nextAttemptAt, iso(130));

          // The email claim holds; sms is still free for whoever asks for it.
          const second = claimedIds(await repo.records.claimDue(at(102), at(130), 100, ['email', 'sms']));
          assert.deepEqual(second[0]?.channels, ['sms']);
          assert.deepEqual(
            claimedIds(await repo.records.claimDue(at(103), at(130), 100, ['email', 'sms'])),
            [],
          );
          // A crashed worker's claim lapses.
          const lapsed = claimedIds(await repo.records.claimDue(at(131), at(160), 100, ['email', 'sms']));
          assert.deepEqual(lapsed[0]?.channels.sort(), ['email', 'sms']);
        },
      );

      it(
        'does not let records due on other channels crowd out the asked ones',
        needs('arrayFilters'),
        async () => {
          const blockers = Array.from({ length: 3 }, () =>
            aNotification({ channels: [aChannel('email', { nextAttemptAt: iso(1000) })] }),
          );
          const wanted = aNotification({ channels: [aChannel('push', { nextAttemptAt: iso(1001) })] });
          for (const record of [...blockers, wanted]) await repo.records.create(record);
          const claims = await repo.records.claimDue(at(1002), at(1100), 1, ['push']);
          assert.deepEqual(
            claims.map((c) => c.record.id),
            [wanted.id],
          );
        },
      );

      it(
        'applies channel outcomes atomically per record, ignoring settled channels',
        needs('arrayFilters', 'atomicUpdates'),
        async () => {
          const record = aNotification({
            channels: [
              aChannel('email', { nextAttemptAt: iso(0) }),
              aChannel('sms', { nextAttemptAt: iso(0) }),
            ],
          });
          await repo.records.create(record);
          await Promise.all([
            repo.records.updateChannel(
              record.id,
              aChannel('email', { status: 'sent', attempts: 1, messageId: '<m@x>', nextAttemptAt: null }),
              at(10),
            ),
            repo.records.updateChannel(
              record.id,
              aChannel('sms', {
                status: 'failed',
                attempts: 3,
                error: 'webhook answered 500',
                nextAttemptAt: null,
              }),
              at(10),
            ),
          ]);
          const stored = (await repo.records.find(record.id))!;
          assert.equal(stored.channels[0]!.status, 'sent');
          assert.equal(stored.channels[0]!.messageId, '<m@x>');
          assert.equal(stored.channels[1]!.status, 'failed');
          assert.equal(stored.status, 'partially_sent');
          assert.equal(stored.metadata.retryCount, 2);
          assert.equal(stored.updatedAt, iso(10));
          assert.equal(
            await repo.records.updateChannel(record.id, aChannel('email', { status: 'failed' }), at(11)),
            undefined,
          );
          assert.equal((await repo.records.find(record.id))!.channels[0]!.status, 'sent');
          assert.equal(await repo.records.updateChannel(newId(), aChannel('email'), at(11)), undefined);
          // A settled record is never claimed again.
          assert.deepEqual(
            (await repo.records.claimDue(at(5000), at(5100), 100, ['email', 'sms'])).filter(
              (c) => c.record.id === record.id,
            ),
            [],
          );
        },
      );

      it(
        'hands each due channel to exactly one of several workers claiming at the same time',
        needs('arrayFilters', 'atomicUpdates'),
        async () => {
          const records = Array.from({ length: 12 }, () =>
            aNotification({
              channels: [
                aChannel('email', { nextAttemptAt: iso(2000) }),
                aChannel('sms', { nextAttemptAt: iso(2000) }),
              ],
            }),
          );
          for (const record of records) await repo.records.create(record);
          const ours = new Set(records.map((r) => r.id));
          const taken: string[] = [];
          // Four workers, each claiming three records at a time until nothing is due (claims last past `now`).
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              for (;;) {
                const claims = await repo.records.claimDue(at(2001), at(2600), 3, ['email', 'sms']);
                if (claims.length === 0) return;
                for (const claim of claims.filter((c) => ours.has(c.record.id)))
                  taken.push(...claim.channels.map((type) => `${claim.record.id}/${type}`));
              }
            }),
          );
          assert.equal(taken.length, 24);
          assert.equal(new Set(taken).size, 24, 'no channel was claimed twice');
        },
      );

      it('applies only one of two outcomes racing for the same channel', needs('atomicUpdates'), async () => {
        const record = aNotification({ channels: [aChannel('email', { nextAttemptAt: iso(0) })] });
        await repo.records.create(record);
        const outcomes = [
          aChannel('email', { status: 'sent', attempts: 1, messageId: '<one@x>', nextAttemptAt: null }),
          aChannel('email', { status: 'failed', attempts: 1, error: 'rejected', nextAttemptAt: null }),
        ];
        const results = await Promise.all(
          outcomes.map((outcome) => repo.records.updateChannel(record.id, outcome, at(10))),
        );
        const applied = results.filter((r) => r !== undefined);
        assert.equal(applied.length, 1);
        assert.deepEqual(await repo.records.find(record.id), applied[0]);
      });

      it('keeps variables of any JSON shape, field names MongoDB reserves included', async () => {
        const variables = {
          $where: 'x',
          'a.b': { $gt: 1, 'c.d': [1, { $e: null }] },
          big: 2 ** 40,
          ratio: 0.5,
          empty: {},
          none: null,
        };
        const record = aNotification({
          template: { subject: null, body: 'b', variables, versions: { email: 3 } },
        });
        await repo.records.create(record);
        assert.deepEqual((await repo.records.find(record.id))!.template, record.template);
        await repo.records.updateChannel(
          record.id,
          aChannel('email', { status: 'sent', attempts: 1, nextAttemptAt: null }),
          at(1),
        );
        assert.deepEqual((await repo.records.find(record.id))!.template.variables, variables);
      });

      it(
        "erases a user's personal data from all their records and stops pending deliveries",
        needs('arrayFilters'),
        async () => {
          const userId = `u-${newId()}`;
          const recipient = {
            userId,
            email: 'erase@example.com',
            phone: '+15550199',
            preferences: { email: true, sms: true, push: true },
          };
          const mine = [
            aNotification({ recipient, channels: [aChannel('email', { nextAttemptAt: iso(0) })] }),
            aNotification({ recipient }),
          ];
          const other = aNotification();
          for (const record of [...mine, other]) await repo.records.create(record);
          assert.equal(await repo.records.eraseRecipient(userId, at(20)), 2);
          for (const { id } of mine) {
            const stored = (await repo.records.find(id))!;
            assert.equal(stored.recipient.email, null);
            assert.equal(stored.recipient.phone, null);
            assert.equal(stored.template.variables.customerName, null);
            assert.equal(stored.channels[0]!.to, null);
            assert.equal(stored.channels[0]!.status, 'skipped');
          }
          assert.equal((await repo.records.find(other.id))!.recipient.email, 'ada@example.com');
          assert.deepEqual(
            (await repo.records.claimDue(at(6000), at(6100), 100, ['email'])).filter(
              (c) => c.record.recipient.userId === userId,
            ),
            [],
          );
        },
      );
    });

    describe('templates', () => {
      const content = (n: number) => ({
        subject: `Subject ${n} #{orderNumber}`,
        body: `Body ${n}`,
        html: null,
        variables: ['orderNumber'],
      });

      it('saves versions 1, 2, … and finds the latest, a given one, and all of them', async () => {
        const first = await repo.templates.saveVersion('promo', 'email', content(1), {
          createdBy: 'admin-1',
          now: at(0),
        });
        const second = await repo.templates.saveVersion('promo', 'email', content(2), {
          createdBy: 'admin-1',
          now: at(1),
        });
        assert.equal(first.version, 1);
        assert.equal(second.version, 2);
        assert.deepEqual(second, {
          type: 'promo',
          channel: 'email',
          version: 2,
          ...content(2),
          description: null,
          createdAt: iso(1),
          createdBy: 'admin-1',
        });
        assert.deepEqual(await repo.templates.findLatest('promo', 'email'), second);
        assert.deepEqual(await repo.templates.findVersion('promo', 'email', 1), first);
        assert.equal(await repo.templates.findVersion('promo', 'email', 3), undefined);
        assert.equal(await repo.templates.findLatest('promo', 'sms'), undefined);
        const push = await repo.templates.saveVersion('promo', 'push', content(3), {
          createdBy: null,
          now: at(2),
        });
        assert.deepEqual(await repo.templates.findLatestOf('promo', ['push', 'sms', 'email']), [
          push,
          second,
        ]);
        assert.deepEqual(await repo.templates.findLatestOf('promo', ['sms']), []);
        assert.deepEqual(
          (await repo.templates.listVersions('promo', 'email')).map((t) => t.version),
          [2, 1],
        );
      });

      it('gives concurrent saves distinct versions', async () => {
        const saved = await Promise.all(
          [1, 2, 3, 4].map((n) =>
            repo.templates.saveVersion('race', 'sms', content(n), { createdBy: null, now: at(n) }),
          ),
        );
        assert.deepEqual(saved.map((t) => t.version).sort(), [1, 2, 3, 4]);
      });

      it(
        'seeds version 1 only where no version exists, and lists the latest of each',
        needs('groupFirst'),
        async () => {
          const seed = {
            type: 'seeded',
            channel: 'push' as const,
            subject: 'Hi',
            body: 'Hello',
            html: null,
            variables: [],
            description: 'built-in',
            createdAt: iso(0),
            createdBy: null,
          };
          assert.equal(await repo.templates.createInitial(seed), true);
          assert.equal(await repo.templates.createInitial({ ...seed, body: 'changed' }), false);
          assert.equal((await repo.templates.findLatest('seeded', 'push'))!.body, 'Hello');
          await repo.templates.saveVersion(
            'seeded',
            'push',
            { body: 'v2', variables: [] },
            { createdBy: null, now: at(1) },
          );
          assert.equal(await repo.templates.createInitial(seed), false);
          const latest = await repo.templates.listLatest();
          assert.equal(latest.find((t) => t.type === 'seeded' && t.channel === 'push')!.version, 2);
          assert.equal(latest.find((t) => t.type === 'promo' && t.channel === 'email')!.version, 2);
          const keys = latest.map((t) => `${t.type}/${t.channel}`);
          assert.deepEqual(keys, [...keys].sort());
        },
      );
    });

    describe('preferences', () => {
      it('saves, replaces and deletes per-user preferences', async () => {
        const userId = `u-${newId()}`;
        assert.equal(await repo.preferences.find(userId), undefined);
        const saved = await repo.preferences.save({
          userId,
          email: false,
          sms: true,
          push: true,
          phone: '+15550123',
          updatedAt: iso(0),
        });
        assert.deepEqual(saved, {
          userId,
          email: false,
          sms: true,
          push: true,
          phone: '+15550123',
          updatedAt: iso(0),
        });
        await repo.preferences.save({
          userId,
          email: true,
          sms: false,
          push: false,
          phone: null,
          updatedAt: iso(1),
        });
        assert.deepEqual(await repo.preferences.find(userId), {
          userId,
          email: true,
          sms: false,
          push: false,
          phone: null,
          updatedAt: iso(1),
        });
        await repo.preferences.delete(userId);
        assert.equal(await repo.preferences.find(userId), undefined);
        await repo.preferences.delete(userId);
      });
    });

    describe('recipients', () => {
      it('remembers users and orders, keeping a known name when none is given', async () => {
        const userId = `u-${newId()}`;
        await repo.recipients.remember({ userId, email: 'ada@example.com', name: 'Ada' });
        await repo.recipients.remember({ userId, email: 'ada@new.example', name: null });
        assert.deepEqual(await repo.recipients.find(userId), {
          userId,
          email: 'ada@new.example',
          name: 'Ada',
          erasedAt: null,
        });
        const order = {
          orderId: newId(),
          userId,
          orderNumber: 'ORD-100001',
          email: 'ada@new.example',
          name: 'Ada',
        };
        await repo.recipients.rememberOrder(order);
        await repo.recipients.rememberOrder({ ...order, email: null, name: null });
        assert.deepEqual(await repo.recipients.findOrder(order.orderId), order);
        assert.equal(await repo.recipients.findOrder(newId()), undefined);
      });

      it('erases to a tombstone that later events cannot fill again', async () => {
        const userId = `u-${newId()}`;
        const orderId = newId();
        await repo.recipients.remember({ userId, email: 'gone@example.com', name: 'Gone' });
        await repo.recipients.rememberOrder({
          orderId,
          userId,
          orderNumber: 'ORD-9',
          email: 'gone@example.com',
          name: 'Gone',
        });
        await repo.recipients.erase(userId, at(5));
        await repo.recipients.remember({ userId, email: 'back@example.com', name: 'Back' });
        assert.deepEqual(await repo.recipients.find(userId), {
          userId,
          email: null,
          name: null,
          erasedAt: iso(5),
        });
        assert.deepEqual(await repo.recipients.findOrder(orderId), {
          orderId,
          userId,
          orderNumber: 'ORD-9',
          email: null,
          name: null,
        });
        const never = `u-${newId()}`;
        await repo.recipients.erase(never, at(6));
        assert.equal((await repo.recipients.find(never))!.erasedAt, iso(6));
      });
    });

    describe('handleOnce', () => {
      it('runs the work once per consumer and event, committing its writes with the mark', async () => {
        const event = createEvent(
          'users',
          { type: 'user.registered', aggregateType: 'user', aggregateId: 'u', data: {} },
          systemClock,
        );
        const record = aNotification();
        let runs = 0;
        const work = async (tx: NotificationRepository) => {
          runs += 1;
          await tx.records.create({ ...record, id: runs === 1 ? record.id : newId() });
        };
        assert.equal(await repo.handleOnce('contract.a', event, work), true);
        assert.equal(await repo.handleOnce('contract.a', event, work), false);
        assert.equal(await repo.handleOnce('contract.b', event, async () => {}), true);
        assert.equal(runs, 1);
        assert.ok(await repo.records.find(record.id));
      });

      it('takes back every kind of write of a failed work: updates, upserts, deletes and erasures', async () => {
        const userId = `u-${newId()}`;
        const orderId = newId();
        const recipient = {
          userId,
          email: 'kept@example.com',
          phone: null,
          preferences: { email: true, sms: true, push: true },
        };
        const record = aNotification({ recipient, channels: [aChannel('email', { nextAttemptAt: iso(0) })] });
        await repo.records.create(record);
        const preferences = {
          userId,
          email: false,
          sms: true,
          push: true,
          phone: '+15550111',
          updatedAt: iso(1),
        };
        await repo.preferences.save(preferences);
        await repo.recipients.remember({ userId, email: 'kept@example.com', name: 'Kept' });
        await repo.recipients.rememberOrder({
          orderId,
          userId,
          orderNumber: 'ORD-55',
          email: 'kept@example.com',
          name: 'Kept',
        });
        const event = createEvent(
          'users',
          { type: 'user.erased', aggregateType: 'user', aggregateId: userId, data: {} },
          systemClock,
        );
        await assert.rejects(
          repo.handleOnce('contract.undo', event, async (tx) => {
            await tx.records.eraseRecipient(userId, at(30));
            await tx.preferences.delete(userId);
            await tx.recipients.erase(userId, at(30));
            await tx.templates.saveVersion(
              'undo',
              'email',
              { subject: 'S', body: 'B', variables: [] },
              { createdBy: null, now: at(30) },
            );
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await repo.records.find(record.id), record);
        assert.deepEqual(await repo.preferences.find(userId), preferences);
        assert.deepEqual(await repo.recipients.find(userId), {
          userId,
          email: 'kept@example.com',
          name: 'Kept',
          erasedAt: null,
        });
        assert.equal((await repo.recipients.findOrder(orderId))!.email, 'kept@example.com');
        assert.equal(await repo.templates.findLatest('undo', 'email'), undefined);
      });

      it('leaves nothing behind when the work fails, so a redelivery runs it again', async () => {
        const event = createEvent(
          'orders',
          { type: 'order.confirmed', aggregateType: 'order', aggregateId: 'o', data: {} },
          systemClock,
        );
        const record = aNotification();
        await assert.rejects(
          repo.handleOnce('contract.fail', event, async (tx) => {
            await tx.records.create(record);
            await tx.preferences.save({
              userId: 'rolled-back',
              email: false,
              sms: false,
              push: false,
              phone: null,
              updatedAt: iso(0),
            });
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await repo.records.find(record.id), undefined);
        assert.equal(await repo.preferences.find('rolled-back'), undefined);
        assert.equal(
          await repo.handleOnce('contract.fail', event, async (tx) => tx.records.create(record)),
          true,
        );
        assert.ok(await repo.records.find(record.id));
      });
    });
  });
}
