import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, newId } from '@polyshop/kernel';
import { authorize, capture, reserveRefund, type Payment, type Refund } from '../../src/domain/payment.ts';
import { parseRevenueQuery } from '../../src/domain/revenue.ts';
import type { NewPayment, PaymentRepository } from '../../src/ports/payment-repository.ts';
import { aPayment, money } from '../fixtures/payment-builders.ts';

export interface PaymentRepositoryFixture {
  repository: PaymentRepository;
  close(): Promise<void>;
}

const actor = { actor: 'user-1', ip: '203.0.113.9' };
const lease = (from: Date, ms = 30_000) => new Date(from.getTime() + ms);

function newPaymentInput(payment: Payment, key = newId()): NewPayment {
  return {
    payment,
    idempotency: { key, requestHash: 'a'.repeat(64), lockedUntil: lease(payment.createdAt) },
    actor,
    reason: 'payment requested',
  };
}

/**
 * The behaviour every PaymentRepository adapter must have; run by `*.test.ts` against each store.
 */
export function paymentRepositoryContract(makeRepository: () => Promise<PaymentRepositoryFixture>): void {
  let fixture: PaymentRepositoryFixture;
  let repository: PaymentRepository;
  before(async () => {
    fixture = await makeRepository();
    repository = fixture.repository;
  });
  after(() => fixture?.close());

  async function stored(payment = aPayment()): Promise<Payment> {
    assert.deepEqual(await repository.create(newPaymentInput(payment)), { created: true });
    return payment;
  }

  async function capturedPayment(amount = '10.00'): Promise<Payment> {
    const payment = await stored(aPayment({ amount: money(amount) }));
    return repository.update(payment.id, (current) => ({
      payment: capture(
        authorize(
          current,
          { transactionId: 'tx', card: { brand: 'visa', last4: '4242' } },
          current.createdAt,
        ),
        current.createdAt,
      ),
      audit: { reason: 'captured', actor },
    }));
  }

  it('stores a payment with exact amounts in any currency and its first audit row', async () => {
    const payments = [
      aPayment({ amount: money('21.59') }),
      aPayment({ amount: money('1000', 'JPY') }),
      aPayment({ amount: money('1.234', 'KWD') }),
    ];
    for (const payment of payments) await stored(payment);
    for (const payment of payments) {
      const found = await repository.findById(payment.id);
      assert.ok(found);
      assert.equal(found.amount.toDecimalString(), payment.amount.toDecimalString());
      assert.equal(found.amount.currency, payment.amount.currency);
      assert.equal(found.status, 'pending');
      assert.equal(found.createdAt.toISOString(), payment.createdAt.toISOString());
      assert.deepEqual(await repository.findByOrder(payment.orderId).then((list) => list.map((p) => p.id)), [
        payment.id,
      ]);
    }
    const [entry] = await repository.auditTrail(payments[0]!.id);
    assert.deepEqual(
      {
        old: entry!.oldStatus,
        new: entry!.newStatus,
        actor: entry!.actor,
        ip: entry!.ip,
        reason: entry!.reason,
      },
      { old: null, new: 'pending', actor: 'user-1', ip: '203.0.113.9', reason: 'payment requested' },
    );
  });

  it('finds nothing for unknown or malformed ids', async () => {
    assert.equal(await repository.findById(newId()), undefined);
    assert.equal(await repository.findById('not-a-uuid'), undefined);
    assert.deepEqual(await repository.findByOrder('nope'), []);
    await assert.rejects(
      repository.update('nope', () => undefined),
      (error: unknown) => error instanceof AppError && error.kind === 'not_found',
    );
  });

  it('creates one payment per idempotency key, even when two requests race', async () => {
    const key = newId();
    const [a, b] = [aPayment(), aPayment()];
    const results = await Promise.all([
      repository.create(newPaymentInput(a, key)),
      repository.create(newPaymentInput(b, key)),
    ]);
    const winners = results.filter((result) => result.created);
    assert.equal(winners.length, 1);
    const loser = results.find((result) => !result.created);
    assert.ok(loser && !loser.created && 'existing' in loser);
    const winnerId = (await repository.findById(a.id)) ? a.id : b.id;
    assert.equal(loser.existing.paymentId, winnerId);
    assert.equal(loser.existing.requestHash, 'a'.repeat(64));
    const loserId = winnerId === a.id ? b.id : a.id;
    assert.equal(await repository.findById(loserId), undefined, 'the losing request wrote nothing');
    assert.deepEqual(await repository.auditTrail(loserId), []);
  });

  it('creates one live payment per order: another key for it is refused, even when racing, until it fails', async () => {
    const orderId = newId();
    const racers = [aPayment({ orderId }), aPayment({ orderId })];
    const results = await Promise.all(racers.map((payment) => repository.create(newPaymentInput(payment))));
    assert.equal(results.filter((result) => result.created).length, 1);
    const winner = racers[results.findIndex((result) => result.created)]!;
    const refused = results.find((result) => !result.created);
    assert.ok(refused && 'orderPaidBy' in refused);
    assert.deepEqual(refused.orderPaidBy, { paymentId: winner.id, status: 'pending' });
    const loser = racers.find((payment) => payment !== winner)!;
    assert.equal(await repository.findById(loser.id), undefined, 'the refused request wrote nothing');

    await repository.update(winner.id, (current) => ({
      payment: { ...current, status: 'failed', reasonCode: 'PAYMENT.DECLINED' },
      audit: { reason: 'declined', actor },
    }));
    const retry = aPayment({ orderId });
    assert.deepEqual(
      await repository.create(newPaymentInput(retry)),
      { created: true },
      'a failed payment is no payment',
    );
  });

  it('locks an idempotency key for one request at a time, hands it over once the lock expires or is released', async () => {
    const payment = aPayment();
    const key = newId();
    await repository.create(newPaymentInput(payment, key));
    const now = payment.createdAt;
    assert.equal(await repository.lockIdempotency(key, now, lease(now)), false, 'held by its creator');
    const later = lease(now, 30_001);
    const takers = await Promise.all(
      Array.from({ length: 5 }, () => repository.lockIdempotency(key, later, lease(later))),
    );
    assert.equal(takers.filter(Boolean).length, 1, 'exactly one taker after expiry');
    await repository.unlockIdempotency(key);
    assert.equal(
      await repository.lockIdempotency(key, later, lease(later)),
      true,
      'free at once after a release',
    );
    assert.equal(await repository.lockIdempotency('unknown-key', later, lease(later)), false);
  });

  it('writes a change with its audit row and the key response in one unit; nothing when decide declines or throws', async () => {
    const payment = aPayment();
    const key = newId();
    await repository.create(newPaymentInput(payment, key));
    const at = new Date('2026-03-10T12:00:05.000Z');
    const authorized = await repository.update(payment.id, (current) => {
      const next = authorize(current, { transactionId: 'tx-1', card: { brand: 'visa', last4: '4242' } }, at);
      return {
        payment: next,
        audit: { reason: 'authorized', actor: { actor: 'system' } },
        completeIdempotency: {
          key,
          response: { body: { id: next.id, status: next.status } },
        },
      };
    });
    assert.equal(authorized.status, 'authorized');
    const found = await repository.findById(payment.id);
    assert.deepEqual(
      [found!.status, found!.card, found!.gatewayTransactionId, found!.authorizedAt?.toISOString()],
      ['authorized', { brand: 'visa', last4: '4242' }, 'tx-1', at.toISOString()],
    );
    const record = await repository.findIdempotency(key);
    assert.deepEqual(record?.response, { body: { id: payment.id, status: 'authorized' } });
    assert.equal(record?.lockedUntil, undefined);
    assert.equal(
      await repository.lockIdempotency(key, lease(at, 60_000), lease(at, 90_000)),
      false,
      'a completed key is never locked again',
    );

    assert.equal((await repository.update(payment.id, () => undefined)).status, 'authorized');
    await assert.rejects(
      repository.update(payment.id, (current) => {
        void capture(current, at);
        throw AppError.conflict('TEST.ABORT', 'abort');
      }),
      /abort/,
    );
    const trail = await repository.auditTrail(payment.id);
    assert.deepEqual(
      trail.map((entry) => [entry.oldStatus, entry.newStatus]),
      [
        [null, 'pending'],
        ['pending', 'authorized'],
      ],
    );
    assert.equal((await repository.findById(payment.id))!.status, 'authorized');
  });

  it('never lets concurrent refund reservations exceed the captured amount', async () => {
    const payment = await capturedPayment('10.00');
    const attempts = Array.from({ length: 20 }, (_, i) => money(i % 2 === 0 ? '0.70' : '0.90'));
    const results = await Promise.allSettled(
      attempts.map((amount) =>
        repository.update(payment.id, (current) => ({
          payment: reserveRefund(current, amount, current.updatedAt),
        })),
      ),
    );
    const accepted = attempts.filter((_, i) => results[i]!.status === 'fulfilled');
    const total = accepted.reduce((sum, amount) => sum.add(amount), money('0'));
    for (const result of results) {
      if (result.status === 'rejected')
        assert.equal((result.reason as AppError).code, 'PAYMENT.REFUND_EXCEEDS_CAPTURED');
    }
    const after = await repository.findById(payment.id);
    assert.ok(!total.greaterThan(money('10.00')), `accepted ${total.toString()}`);
    assert.equal(after!.refundPendingAmount.toDecimalString(), total.toDecimalString());
    assert.ok(
      results.some((result) => result.status === 'rejected'),
      'the attempts together exceed the capture',
    );
  });

  it('stores refunds, updates them, and lists the ones left pending', async () => {
    const payment = await capturedPayment('10.00');
    const refund: Refund = {
      id: newId(),
      paymentId: payment.id,
      amount: money('2.50'),
      reason: 'damaged',
      status: 'pending',
      createdAt: new Date('2026-03-11T00:00:00Z'),
    };
    await repository.update(payment.id, (current, reader) => {
      return reader.refund(refund.id).then((existing) => {
        assert.equal(existing, undefined);
        return { payment: reserveRefund(current, refund.amount, refund.createdAt), refund };
      });
    });
    const pending = await repository.pendingRefunds(new Date('2026-03-12T00:00:00Z'), 100);
    assert.ok(pending.some((r) => r.id === refund.id && r.amount.toDecimalString() === '2.50'));
    assert.equal(
      (await repository.pendingRefunds(new Date('2026-03-10T00:00:00Z'), 100)).some(
        (r) => r.id === refund.id,
      ),
      false,
    );
    const settledAt = new Date('2026-03-11T00:00:01Z');
    await repository.update(payment.id, async (current, reader) => {
      assert.equal((await reader.refund(refund.id))?.status, 'pending');
      return {
        payment: current,
        refund: { ...refund, status: 'succeeded', gatewayRefundId: 're_1', settledAt },
      };
    });
    const [listed] = await repository.refunds(payment.id);
    assert.deepEqual(
      [listed!.status, listed!.gatewayRefundId, listed!.settledAt?.toISOString(), listed!.reason],
      ['succeeded', 're_1', settledAt.toISOString(), 'damaged'],
    );
  });

  it('reports captured minus refunded per month, method, region and currency', async () => {
    const at = (iso: string) => new Date(iso);
    const make = async (
      amount: string,
      currency: string,
      method: 'card' | 'apple_pay',
      region: string,
      capturedAt: string,
      refunds: [string, string][] = [],
    ) => {
      const payment = await stored(
        aPayment({ amount: money(amount, currency), method, region, at: at('2030-01-01T00:00:00Z') }),
      );
      await repository.update(payment.id, (current) => ({
        payment: capture(authorize(current, { transactionId: 't' }, at(capturedAt)), at(capturedAt)),
        audit: { reason: 'captured', actor },
      }));
      for (const [refundAmount, when] of refunds) {
        const refund: Refund = {
          id: newId(),
          paymentId: payment.id,
          amount: money(refundAmount, currency),
          reason: 'r',
          status: 'succeeded',
          createdAt: at(when),
          settledAt: at(when),
        };
        await repository.update(payment.id, (current) => ({
          payment: { ...current, refundedAmount: current.refundedAmount.add(refund.amount) },
          refund,
        }));
      }
    };
    await make('100.10', 'USD', 'card', 'r-eu', '2030-01-15T10:00:00Z', [['0.10', '2030-02-01T00:00:00Z']]);
    await make('0.20', 'USD', 'card', 'r-eu', '2030-01-31T23:59:59Z');
    await make('5.00', 'EUR', 'card', 'r-eu', '2030-01-02T00:00:00Z');
    await make('7.00', 'USD', 'apple_pay', 'r-us', '2030-02-28T00:00:00Z', [
      ['7.00', '2030-03-01T00:00:00Z'],
    ]);
    await make('9.99', 'USD', 'card', 'r-eu', '2029-12-31T23:59:59Z');

    const byMonth = await repository.revenue(
      parseRevenueQuery({ from: '2030-01', to: '2030-02', groupBy: 'month,method,region' }),
    );
    assert.deepEqual(byMonth, [
      {
        month: '2030-01',
        method: 'card',
        region: 'r-eu',
        currency: 'EUR',
        captured: '5.00',
        refunded: '0.00',
        net: '5.00',
      },
      {
        month: '2030-01',
        method: 'card',
        region: 'r-eu',
        currency: 'USD',
        captured: '100.30',
        refunded: '0.00',
        net: '100.30',
      },
      {
        month: '2030-02',
        method: 'apple_pay',
        region: 'r-us',
        currency: 'USD',
        captured: '7.00',
        refunded: '0.00',
        net: '7.00',
      },
      {
        month: '2030-02',
        method: 'card',
        region: 'r-eu',
        currency: 'USD',
        captured: '0.00',
        refunded: '0.10',
        net: '-0.10',
      },
    ]);
    const totals = await repository.revenue(
      parseRevenueQuery({ from: '2030-01', to: '2030-03', groupBy: 'region' }),
    );
    assert.deepEqual(totals, [
      { region: 'r-eu', currency: 'EUR', captured: '5.00', refunded: '0.00', net: '5.00' },
      { region: 'r-eu', currency: 'USD', captured: '100.30', refunded: '0.10', net: '100.20' },
      { region: 'r-us', currency: 'USD', captured: '7.00', refunded: '7.00', net: '0.00' },
    ]);
  });
}
