import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ManualClock, newId } from '@polyshop/kernel';
import { postgresTargets } from '@polyshop/testing';
import { PaymentsApp } from '../../src/app/payments-app.ts';
import { newPayment } from '../../src/domain/payment.ts';
import { parsePaymentRequest, requestFingerprint } from '../../src/domain/payment-request.ts';
import { aPaymentRequest, CARDS, withCard } from '../fixtures/payment-builders.ts';
import { openPayments, type PaymentsHarness } from '../fixtures/payments-harness.ts';

const actor = { actor: 'user-7', ip: '198.51.100.4' };
const appError = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

for (const target of postgresTargets()) {
  describe(`authorizing payments on ${target.name}`, { skip: target.skip }, () => {
    let h: PaymentsHarness;
    let clock: ManualClock;
    before(async () => {
      clock = new ManualClock('2026-03-10T12:00:00.000Z');
      h = await openPayments(target, { clock });
    });
    after(() => h?.close());

    it('authorizes an approved card: authorized, only brand and last four kept, audited pending → authorized', async () => {
      const body = aPaymentRequest();
      const outcome = await h.app.authorize(body, newId(), actor);
      assert.equal(outcome.replayed, false);
      assert.equal(outcome.body.status, 'authorized');
      assert.deepEqual(outcome.body.card, { brand: 'visa', last4: '4242' });
      assert.equal(outcome.body.amount, '21.59');
      const details = await h.app.get(outcome.body.id);
      assert.deepEqual(
        details.auditTrail.map((e) => [e.oldStatus, e.newStatus, e.actor, e.ip]),
        [
          [null, 'pending', 'user-7', '198.51.100.4'],
          ['pending', 'authorized', 'user-7', '198.51.100.4'],
        ],
      );
      const stored = JSON.stringify(
        await h.db.query(`SELECT * FROM payments.payment_transactions WHERE id = $1`, [outcome.body.id]),
      );
      assert.doesNotMatch(stored, /4242424242424242|424242424242/);
      const keys = JSON.stringify(await h.db.query(`SELECT * FROM payments.idempotency_keys`));
      assert.doesNotMatch(keys, /4242424242424242/);
    });

    it('answers a declined card with 201 failed and the reason code (a result, not an error)', async () => {
      const cases: [Partial<ReturnType<typeof aPaymentRequest>>, string][] = [
        [withCard(CARDS.declined), 'PAYMENT.DECLINED'],
        [withCard(CARDS.insufficientFunds), 'PAYMENT.INSUFFICIENT_FUNDS'],
        [withCard(CARDS.expired), 'PAYMENT.CARD_EXPIRED'],
        [withCard(CARDS.processingError), 'PAYMENT.PROCESSING_ERROR'],
        [{ card: undefined, token: 'tok_chargeDeclined' }, 'PAYMENT.DECLINED'],
        [{ card: undefined, token: 'tok_unknown' }, 'PAYMENT.INVALID_TOKEN'],
      ];
      for (const [overrides, reasonCode] of cases) {
        const outcome = await h.app.authorize(aPaymentRequest(overrides), newId(), actor);
        assert.equal(outcome.body.status, 'failed', reasonCode);
        assert.equal(outcome.body.reasonCode, reasonCode);
        const trail = (await h.app.get(outcome.body.id)).auditTrail;
        assert.deepEqual(trail.at(-1)?.newStatus, 'failed');
      }
    });

    it('replays the original answer to a retry with the same key and body, asking the gateway once', async () => {
      const body = aPaymentRequest();
      const key = newId();
      const first = await h.app.authorize(body, key, actor);
      const calls = h.gateway.count('authorize');
      clock.advance(60_000);
      const again = await h.app.authorize(structuredClone(body), key, actor);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.body, first.body);
      assert.equal(h.gateway.count('authorize'), calls, 'no second gateway call');
      assert.equal((await h.app.findByOrder(body.orderId)).length, 1);
    });

    it('refuses the same key with another body: 409 PAYMENT.IDEMPOTENCY_KEY_REUSED', async () => {
      const body = aPaymentRequest();
      const key = newId();
      await h.app.authorize(body, key, actor);
      await assert.rejects(
        h.app.authorize({ ...body, amount: '21.60' }, key, actor),
        appError('PAYMENT.IDEMPOTENCY_KEY_REUSED'),
      );
      await assert.rejects(
        h.app.authorize({ ...body, ...withCard(CARDS.mastercard) }, key, actor),
        appError('PAYMENT.IDEMPOTENCY_KEY_REUSED'),
      );
      assert.equal((await h.app.findByOrder(body.orderId)).length, 1);
    });

    it('ten concurrent requests with one key: one payment, one gateway call, ten identical answers', async () => {
      const body = aPaymentRequest();
      const key = newId();
      const before = h.gateway.count('authorize');
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => h.app.authorize(structuredClone(body), key, actor)),
      );
      for (const outcome of outcomes) assert.deepStrictEqual(outcome.body, outcomes[0]!.body);
      assert.equal(outcomes.filter((o) => !o.replayed).length, 1);
      assert.equal(h.gateway.count('authorize') - before, 1);
      assert.equal((await h.app.findByOrder(body.orderId)).length, 1);
    });

    it('refuses invalid input with a 400 naming the field and stores nothing', async () => {
      const orderId = newId();
      await assert.rejects(
        h.app.authorize(aPaymentRequest({ orderId }), undefined, actor),
        (e: unknown) => e instanceof AppError && e.field === 'Idempotency-Key',
      );
      await assert.rejects(
        h.app.authorize(aPaymentRequest({ orderId, ...withCard('4242424242424241') }), newId(), actor),
        (e: unknown) => e instanceof AppError && e.field === 'card.number',
      );
      await assert.rejects(
        h.app.authorize(
          aPaymentRequest({
            orderId,
            card: { number: CARDS.success, expMonth: 1, expYear: 2024, cvc: '123' },
          }),
          newId(),
          actor,
        ),
        (e: unknown) => e instanceof AppError && e.field === 'card.expYear',
      );
      assert.deepEqual(await h.app.findByOrder(orderId), []);
    });

    it('a gateway outage answers 503 and keeps the payment pending; a retry with the same key resumes it', async () => {
      const body = aPaymentRequest();
      const key = newId();
      h.outage.mode = 'before';
      try {
        await assert.rejects(h.app.authorize(body, key, actor), appError('PAYMENT.GATEWAY_UNAVAILABLE'));
      } finally {
        h.outage.mode = 'none';
      }
      const [pending] = await h.app.findByOrder(body.orderId);
      assert.equal(pending?.status, 'pending');
      const retried = await h.app.authorize(body, key, actor);
      assert.equal(retried.body.status, 'authorized');
      assert.equal(retried.body.id, pending.id, 'the same payment, resumed');
      assert.equal((await h.app.findByOrder(body.orderId)).length, 1);
    });

    it('an answer lost after the gateway acted: the retry gets that authorization, which can be captured once', async () => {
      const body = aPaymentRequest();
      const key = newId();
      h.outage.mode = 'lost-answer';
      try {
        await assert.rejects(h.app.authorize(body, key, actor), appError('PAYMENT.GATEWAY_UNAVAILABLE'));
      } finally {
        h.outage.mode = 'none';
      }
      const retried = await h.app.authorize(body, key, actor);
      assert.equal(retried.body.status, 'authorized');
      assert.equal((await h.app.capture(retried.body.id, actor)).status, 'captured');
    });

    it('a request that died holding its key is resumed by a retry once the lease expired', async () => {
      const body = aPaymentRequest();
      const key = newId();
      const now = clock.now();
      const request = parsePaymentRequest(body, now);
      const orphan = newPayment({
        id: newId(),
        orderId: request.orderId,
        amount: request.amount,
        method: request.method,
        region: request.region,
        at: now,
      });
      await h.app.deps.repository.create({
        payment: orphan,
        idempotency: {
          key,
          requestHash: requestFingerprint(request, await h.app.deps.fingerprintKey()),
          lockedUntil: new Date(now.getTime() + 30_000),
        },
        actor,
        reason: 'payment requested',
      });
      const impatient = new PaymentsApp({ ...h.app.deps, idempotency: { leaseMs: 30_000, waitMs: 0 } });
      await assert.rejects(impatient.authorize(body, key, actor), appError('PAYMENT.IDEMPOTENCY_KEY_IN_USE'));
      clock.advance(30_001);
      const resumed = await impatient.authorize(body, key, actor);
      assert.equal(resumed.body.id, orphan.id);
      assert.equal(resumed.body.status, 'authorized');
    });

    it('emits payment.authorized and payment.failed through the outbox with the documented data', async () => {
      const approved = await h.app.authorize(aPaymentRequest({ amount: '10.00' }), newId(), actor);
      const declined = await h.app.authorize(
        aPaymentRequest({ ...withCard(CARDS.insufficientFunds) }),
        newId(),
        actor,
      );
      const rows = await h.db.query<{
        envelope: {
          type: string;
          source: string;
          aggregateType: string;
          aggregateId: string;
          data: Record<string, unknown>;
        };
      }>(`SELECT envelope FROM payments.outbox WHERE aggregate_id = ANY($1::text[]) ORDER BY seq`, [
        [approved.body.id, declined.body.id],
      ]);
      assert.deepEqual(
        rows.map((r) => [
          r.envelope.type,
          r.envelope.source,
          r.envelope.aggregateType,
          r.envelope.aggregateId,
        ]),
        [
          ['payment.authorized', 'payments', 'payment', approved.body.id],
          ['payment.failed', 'payments', 'payment', declined.body.id],
        ],
      );
      assert.deepEqual(rows[0]!.envelope.data, {
        paymentId: approved.body.id,
        orderId: approved.body.orderId,
        amount: '10.00',
        currency: 'USD',
      });
      assert.equal(rows[1]!.envelope.data.reasonCode, 'PAYMENT.INSUFFICIENT_FUNDS');
    });
  });
}
