import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, ManualClock, newId } from '@polyshop/kernel';
import { SqlState, sqlStateOf, type SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { migratePayments } from '../../src/adapters/postgres/payments-schema.ts';
import { PostgresPaymentRepository } from '../../src/adapters/postgres/postgres-payment-repository.ts';
import { authorize, capture } from '../../src/domain/payment.ts';
import { aPayment } from '../fixtures/payment-builders.ts';

/** What PostgreSQL itself enforces, whatever the code does: the audit log only grows, refunds never exceed captures. */
for (const target of postgresTargets()) {
  describe(`payments database guards on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let repository: PostgresPaymentRepository;
    let paymentId: string;
    let events = 0;
    before(async () => {
      db = await target.open();
      await migratePayments(db);
      repository = new PostgresPaymentRepository(db, { onEvents: () => void events++ });
      const payment = aPayment();
      paymentId = payment.id;
      await repository.create({
        payment,
        idempotency: { key: newId(), requestHash: 'b'.repeat(64), lockedUntil: payment.createdAt },
        actor: { actor: 'system' },
        reason: 'test',
      });
      await repository.update(payment.id, (current) => ({
        payment: capture(authorize(current, { transactionId: 'tx' }, current.createdAt), current.createdAt),
        audit: { reason: 'captured', actor: { actor: 'system' } },
      }));
    });
    after(() => (db ? target.close(db) : undefined));

    const appendOnly = (error: unknown) =>
      sqlStateOf(error) === SqlState.raiseException && /append-only/.test(String((error as Error).message));

    it('rejects UPDATE of the audit log, even one that matches no row', async () => {
      await assert.rejects(
        db.query(`UPDATE payments.payment_audit_log SET reason = 'rewritten' WHERE payment_id = $1`, [
          paymentId,
        ]),
        appendOnly,
      );
      await assert.rejects(
        db.query(`UPDATE payments.payment_audit_log SET reason = 'x' WHERE false`),
        appendOnly,
      );
    });

    it('rejects DELETE and TRUNCATE of the audit log', async () => {
      await assert.rejects(
        db.query(`DELETE FROM payments.payment_audit_log WHERE payment_id = $1`, [paymentId]),
        appendOnly,
      );
      await assert.rejects(db.query(`TRUNCATE payments.payment_audit_log`), appendOnly);
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::int8 AS n FROM payments.payment_audit_log WHERE payment_id = $1`,
        [paymentId],
      );
      assert.equal(rows[0]!.n, 2, 'both audit rows are still there');
    });

    it('still accepts new audit rows (append)', async () => {
      await db.query(
        `INSERT INTO payments.payment_audit_log (id, payment_id, old_status, new_status, reason, actor, created_at) VALUES ($1, $2, 'captured', 'captured', 'note', 'system', now())`,
        [newId(), paymentId],
      );
    });

    it('refuses a payment row whose refunds exceed its capture, even written by hand', async () => {
      await assert.rejects(
        db.query(
          `UPDATE payments.payment_transactions SET refunded_amount = captured_amount + 0.01 WHERE id = $1`,
          [paymentId],
        ),
        (error: unknown) => sqlStateOf(error) === SqlState.checkViolation,
      );
      await assert.rejects(
        db.query(
          `UPDATE payments.payment_transactions SET refund_pending_amount = 1, refunded_amount = captured_amount WHERE id = $1`,
          [paymentId],
        ),
        (error: unknown) => sqlStateOf(error) === SqlState.checkViolation,
      );
    });

    it('writes events to the outbox in the same transaction as the change, or not at all', async () => {
      const clock = new ManualClock();
      const event = (type: string) =>
        createEvent('payments', { type, aggregateType: 'payment', aggregateId: paymentId, data: {} }, clock);
      const before = events;
      // A change the database refuses (refunds beyond the capture) takes its event down with it.
      await assert.rejects(
        repository.update(paymentId, (current) => ({
          payment: { ...current, refundedAmount: current.capturedAmount.add(current.capturedAmount) },
          events: [event('payment.refunded')],
        })),
        (error: unknown) => sqlStateOf(error) === SqlState.checkViolation,
      );
      assert.equal(events, before, 'no wake-up for a rolled-back change');
      const committed = event('payment.refunded');
      await repository.update(paymentId, (current) => ({ payment: current, events: [committed] }));
      const rows = await db.query<{ type: string }>(
        `SELECT type FROM payments.outbox WHERE aggregate_id = $1 ORDER BY seq`,
        [paymentId],
      );
      assert.deepEqual(
        rows.map((row) => row.type),
        ['payment.refunded'],
      );
      assert.equal(events, before + 1, 'the relay is woken after the commit');
    });
  });
}
