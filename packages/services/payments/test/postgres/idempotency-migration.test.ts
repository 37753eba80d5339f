import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { newId } from '@polyshop/kernel';
import { migrate, readMigrations } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { migratePayments, PAYMENTS_SCHEMA } from '../../src/adapters/postgres/payments-schema.ts';
import { aPaymentRequest } from '../fixtures/payment-builders.ts';
import { openPayments, type PaymentsHarness } from '../fixtures/payments-harness.ts';

const directory = fileURLToPath(new URL('../../migrations', import.meta.url));
const actor = { actor: 'user-7' };

/** Migration 0002 drops the HTTP status the idempotency keys stored; a key completed before it replays the same. */
for (const target of postgresTargets()) {
  describe(`idempotency keys across migration 0002 on ${target.name}`, { skip: target.skip }, () => {
    let h: PaymentsHarness;
    before(async () => {
      // 0001, with the sandbox gateway's tables (0003) and the fingerprint key (0004) an authorization needs.
      const first = (await readMigrations(directory)).filter((migration) =>
        ['0001', '0003', '0004'].includes(migration.version),
      );
      h = await openPayments(target, {
        migrate: (db) => migrate(db, { schema: PAYMENTS_SCHEMA, migrations: first }),
      });
    });
    after(() => h?.close());

    it('replays a key completed under 0001 (status 201 stored) with the same payment after 0002', async () => {
      const key = newId();
      const body = aPaymentRequest();
      const first = await h.app.authorize(body, key, actor);
      // What the code before 0002 stored with every completed key.
      await h.db.query(`UPDATE payments.idempotency_keys SET response_status = 201 WHERE key = $1`, [key]);

      assert.deepEqual((await migratePayments(h.db)).applied, ['0002_idempotency_without_status']);
      const replay = await h.app.authorize(body, key, actor);
      assert.equal(replay.replayed, true);
      assert.deepEqual(replay.body, first.body);
      const columns = await h.db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'payments' AND table_name = 'idempotency_keys'`,
      );
      assert.ok(!columns.some((column) => column.column_name === 'response_status'));
    });
  });
}
