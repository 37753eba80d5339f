import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ManualClock, Money, newId } from '@polyshop/kernel';
import { postgresTargets } from '@polyshop/testing';
import { aPaymentRequest, CARDS, withCard } from '../fixtures/payment-builders.ts';
import { openPayments, type PaymentsHarness } from '../fixtures/payments-harness.ts';

const actor = { actor: 'user-9', ip: '192.0.2.1' };
const appError = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

for (const target of postgresTargets()) {
  describe(`capturing, voiding and refunding on ${target.name}`, { skip: target.skip }, () => {
    let h: PaymentsHarness;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock('2026-04-01T09:00:00.000Z');
      h = await openPayments(target, { clock });
    });
    after(() => h?.close());

    const authorized = async (amount = '50.00') =>
      (await h.app.authorize(aPaymentRequest({ amount }), newId(), actor)).body;
    const captured = async (amount = '50.00') => h.app.capture((await authorized(amount)).id, actor);

    it('captures an authorized payment once; capturing again returns it unchanged', async () => {
      const payment = await authorized();
      const first = await h.app.capture(payment.id, actor);
      assert.equal(first.status, 'captured');
      assert.equal(first.capturedAmount, '50.00');
      assert.equal(first.refundableAmount, '50.00');
      const calls = h.gateway.count('capture');
      assert.deepEqual(await h.app.capture(payment.id, actor), first);
      assert.equal(h.gateway.count('capture'), calls, 'no second capture at the gateway');
      const trail = (await h.app.get(payment.id)).auditTrail.map((e) => e.newStatus);
      assert.deepEqual(trail, ['pending', 'authorized', 'captured']);
    });

    it('voids an authorized payment once; voiding again returns it unchanged', async () => {
      const payment = await authorized();
      const voided = await h.app.void(payment.id, actor);
      assert.equal(voided.status, 'voided');
      assert.deepEqual(await h.app.void(payment.id, actor), voided);
    });

    it('refuses illegal transitions with 409 PAYMENT.ILLEGAL_TRANSITION', async () => {
      const voided = await authorized();
      await h.app.void(voided.id, actor);
      await assert.rejects(h.app.capture(voided.id, actor), appError('PAYMENT.ILLEGAL_TRANSITION'));
      await assert.rejects(
        h.app.refund(voided.id, { amount: '1.00', reason: 'x' }, actor),
        appError('PAYMENT.ILLEGAL_TRANSITION'),
      );
      const capturedPayment = await captured();
      await assert.rejects(h.app.void(capturedPayment.id, actor), appError('PAYMENT.ILLEGAL_TRANSITION'));
      const failed = (await h.app.authorize(aPaymentRequest(withCard(CARDS.declined)), newId(), actor)).body;
      await assert.rejects(h.app.capture(failed.id, actor), appError('PAYMENT.ILLEGAL_TRANSITION'));
      await assert.rejects(h.app.void(failed.id, actor), appError('PAYMENT.ILLEGAL_TRANSITION'));
      const authorizedOnly = await authorized();
      await assert.rejects(
        h.app.refund(authorizedOnly.id, { amount: '1.00', reason: 'x' }, actor),
        appError('PAYMENT.ILLEGAL_TRANSITION'),
      );
      await assert.rejects(h.app.capture(newId(), actor), appError('PAYMENT.NOT_FOUND'));
    });

    it('a capture racing a void: exactly one wins, the other is a 409, state and gateway agree', async () => {
      const payment = await authorized();
      const [capture, voiding] = await Promise.allSettled([
        h.app.capture(payment.id, actor),
        h.app.void(payment.id, actor),
      ]);
      const won = [capture, voiding].filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      const loser = [capture, voiding].find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal((loser.reason as AppError).kind, 'conflict');
      const final = await h.app.get(payment.id);
      assert.equal(final.status, capture.status === 'fulfilled' ? 'captured' : 'voided');
    });

    it('refunds partially, then fully, with audit rows and payment.refunded events', async () => {
      const payment = await captured('30.00');
      clock.advance(1000);
      const first = await h.app.refund(payment.id, { amount: '10.00', reason: 'one item returned' }, actor);
      assert.deepEqual(
        [
          first.refund.status,
          first.refund.amount,
          first.payment.status,
          first.payment.refundedAmount,
          first.payment.refundableAmount,
        ],
        ['succeeded', '10.00', 'partially_refunded', '10.00', '20.00'],
      );
      const second = await h.app.refund(payment.id, { amount: '20.00', reason: 'rest returned' }, actor);
      assert.equal(second.payment.status, 'refunded');
      await assert.rejects(
        h.app.refund(payment.id, { amount: '0.01', reason: 'more' }, actor),
        appError('PAYMENT.ILLEGAL_TRANSITION'),
      );
      const details = await h.app.get(payment.id);
      assert.deepEqual(
        details.refunds.map((r) => [r.amount, r.status, r.reason]),
        [
          ['10.00', 'succeeded', 'one item returned'],
          ['20.00', 'succeeded', 'rest returned'],
        ],
      );
      assert.deepEqual(
        details.auditTrail.slice(-2).map((e) => [e.oldStatus, e.newStatus]),
        [
          ['captured', 'partially_refunded'],
          ['partially_refunded', 'refunded'],
        ],
      );
      const events = await h.db.query<{ envelope: { type: string; data: Record<string, unknown> } }>(
        `SELECT envelope FROM payments.outbox WHERE aggregate_id = $1 AND type = 'payment.refunded' ORDER BY seq`,
        [payment.id],
      );
      assert.deepEqual(
        events.map((e) => e.envelope.data),
        [
          {
            paymentId: payment.id,
            orderId: payment.orderId,
            amount: '10.00',
            currency: 'USD',
            refundedTotal: '10.00',
            reason: 'one item returned',
          },
          {
            paymentId: payment.id,
            orderId: payment.orderId,
            amount: '20.00',
            currency: 'USD',
            refundedTotal: '30.00',
            reason: 'rest returned',
          },
        ],
      );
    });

    it('refuses a refund beyond the refundable amount, too precise, or without a reason, naming the field', async () => {
      const payment = await captured('30.00');
      await assert.rejects(
        h.app.refund(payment.id, { amount: '30.01', reason: 'x' }, actor),
        (e: unknown) =>
          e instanceof AppError && e.code === 'PAYMENT.REFUND_EXCEEDS_CAPTURED' && e.field === 'amount',
      );
      await assert.rejects(
        h.app.refund(payment.id, { amount: '1.001', reason: 'x' }, actor),
        (e: unknown) => e instanceof AppError && e.field === 'amount',
      );
      await assert.rejects(
        h.app.refund(payment.id, { amount: '0', reason: 'x' }, actor),
        (e: unknown) => e instanceof AppError && e.field === 'amount',
      );
      await assert.rejects(
        h.app.refund(payment.id, { amount: '1.00', reason: '  ' }, actor),
        (e: unknown) => e instanceof AppError && e.field === 'reason',
      );
      assert.equal((await h.app.get(payment.id)).refunds.length, 0);
    });

    it('20 concurrent refunds that together exceed the capture: the accepted ones add up to at most the capture', async () => {
      const payment = await captured('100.00');
      const amounts = Array.from({ length: 20 }, (_, i) => ['7.00', '8.50', '6.25', '9.99'][i % 4]!);
      const results = await Promise.allSettled(
        amounts.map((amount, i) => h.app.refund(payment.id, { amount, reason: `refund ${i}` }, actor)),
      );
      let accepted = Money.zero('USD');
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') accepted = accepted.add(Money.of(amounts[i]!, 'USD'));
        else assert.equal((result.reason as AppError).code, 'PAYMENT.REFUND_EXCEEDS_CAPTURED');
      });
      assert.ok(
        results.some((r) => r.status === 'rejected'),
        'the requests together exceed the capture',
      );
      assert.ok(!accepted.greaterThan(Money.of('100.00', 'USD')), `accepted ${accepted.toString()}`);
      const details = await h.app.get(payment.id);
      assert.equal(details.refundedAmount, accepted.toDecimalString());
      const stored = details.refunds
        .filter((r) => r.status === 'succeeded')
        .reduce((sum, r) => sum.add(Money.of(r.amount, 'USD')), Money.zero('USD'));
      assert.equal(stored.toDecimalString(), accepted.toDecimalString());
      assert.equal(
        details.refunds.length,
        results.filter((r) => r.status === 'fulfilled').length,
        'rejected requests left no refund',
      );
    });

    it('a refund the gateway cannot confirm stays pending (503), holds its amount, and is settled by recovery', async () => {
      const payment = await captured('40.00');
      h.outage.mode = 'lost-answer';
      try {
        await assert.rejects(
          h.app.refund(payment.id, { amount: '15.00', reason: 'late' }, actor),
          appError('PAYMENT.GATEWAY_UNAVAILABLE'),
        );
        const during = await h.app.get(payment.id);
        assert.deepEqual(
          [during.status, during.refundedAmount, during.refundableAmount, during.refunds[0]?.status],
          ['captured', '0.00', '25.00', 'pending'],
        );
        await assert.rejects(
          h.app.refund(payment.id, { amount: '25.01', reason: 'too much' }, actor),
          appError('PAYMENT.REFUND_EXCEEDS_CAPTURED'),
        );
        assert.equal(await h.app.recoverPendingRefunds(0), 0, 'still unavailable: nothing resolved');
      } finally {
        h.outage.mode = 'none';
      }
      clock.advance(120_000);
      assert.equal(await h.app.recoverPendingRefunds(60_000), 1);
      const after = await h.app.get(payment.id);
      assert.deepEqual(
        [after.status, after.refundedAmount, after.refundableAmount, after.refunds[0]?.status],
        ['partially_refunded', '15.00', '25.00', 'succeeded'],
      );
      assert.equal(after.auditTrail.at(-1)?.actor, 'system');
      assert.equal(await h.app.recoverPendingRefunds(0), 0, 'nothing left to recover');
    });
  });
}
