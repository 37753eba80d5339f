import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ManualClock, Money, newId } from '@polyshop/kernel';
import { postgresTargets } from '@polyshop/testing';
import { PAYMENT_METHODS } from '../../src/domain/payment-request.ts';
import { aPaymentRequest, CARDS, withCard } from '../fixtures/payment-builders.ts';
import { openPayments, type PaymentsHarness } from '../fixtures/payments-harness.ts';

const actor = { actor: 'system' };

/** A small deterministic PRNG (mulberry32) so the generated data is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const target of postgresTargets()) {
  describe(`revenue report on ${target.name}`, { skip: target.skip }, () => {
    let h: PaymentsHarness;
    let clock: ManualClock;
    /** Hand-computed expectation: group key → captured and refunded sums. */
    const expected = new Map<string, { captured: Money; refunded: Money }>();
    const add = (
      month: string,
      method: string,
      region: string,
      currency: string,
      kind: 'captured' | 'refunded',
      amount: Money,
    ) => {
      if (month < '2026-01' || month > '2026-12') return;
      const key = [month, method, region, currency].join('|');
      const group = expected.get(key) ?? { captured: Money.zero(currency), refunded: Money.zero(currency) };
      group[kind] = group[kind].add(amount);
      expected.set(key, group);
    };

    before(async () => {
      clock = new ManualClock('2025-11-01T00:00:00.000Z');
      h = await openPayments(target, { clock });
      const next = random(20260101);
      const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
      const currencies = [
        { code: 'USD', scale: 100 },
        { code: 'EUR', scale: 100 },
        { code: 'JPY', scale: 1 },
      ];
      // 60 payments captured between 2025-12 and 2027-01 (some outside the range on purpose), a third of them
      // refunded in one or two parts, some only authorized or declined (never revenue).
      for (let i = 0; i < 60; i++) {
        const currency = pick(currencies);
        const minor = 1 + Math.floor(next() * 99_999);
        const amount = Money.of(BigInt(minor), currency.code)
          .multiply(`${1 / currency.scale}`)
          .round();
        const method = pick(PAYMENT_METHODS);
        const region = pick(['eu', 'us', 'apac']);
        const captureAt = new Date(
          Date.UTC(
            2025,
            11 + Math.floor(next() * 14),
            1 + Math.floor(next() * 28),
            Math.floor(next() * 24),
            0,
            next() < 0.1 ? 0 : 30,
          ),
        );
        clock.set(new Date(captureAt.getTime() - 3_600_000));
        const declined = i % 10 === 9;
        const body = aPaymentRequest({
          amount: amount.toDecimalString(),
          currency: currency.code,
          method,
          region,
          ...(declined ? withCard(CARDS.declined) : {}),
        });
        const { body: payment } = await h.app.authorize(body, newId(), actor);
        if (declined || i % 10 === 8) continue;
        clock.set(captureAt);
        await h.app.capture(payment.id, actor);
        add(captureAt.toISOString().slice(0, 7), method, region, currency.code, 'captured', amount);
        if (i % 3 !== 0) continue;
        let refundable = amount;
        for (const share of ['0.3', '0.5']) {
          const refund = refundable.multiply(share).round();
          if (!refund.isPositive()) continue;
          clock.advance(Math.floor(next() * 40) * 86_400_000 + 60_000);
          await h.app.refund(payment.id, { amount: refund.toDecimalString(), reason: 'returned' }, actor);
          refundable = refundable.subtract(refund);
          add(clock.now().toISOString().slice(0, 7), method, region, currency.code, 'refunded', refund);
        }
      }
    });
    after(() => h?.close());

    it('equals the hand-computed sums per month, method, region and currency', async () => {
      const report = await h.app.revenue({ from: '2026-01', to: '2026-12', groupBy: 'month,method,region' });
      assert.deepEqual(report.groupBy, ['month', 'method', 'region']);
      const want = [...expected.entries()]
        .map(([key, sums]) => {
          const [month, method, region, currency] = key.split('|') as [string, string, string, string];
          return {
            month,
            method,
            region,
            currency,
            captured: sums.captured.toDecimalString(),
            refunded: sums.refunded.toDecimalString(),
            net: sums.captured.subtract(sums.refunded).toDecimalString(),
          };
        })
        .sort((a, b) =>
          [a.month, a.method, a.region, a.currency]
            .join('|')
            .localeCompare([b.month, b.method, b.region, b.currency].join('|')),
        );
      assert.ok(want.length > 10, `generated ${want.length} groups`);
      assert.deepEqual(report.rows, want);
    });

    it('adds up to the same total per currency whatever the grouping', async () => {
      const totals = (rows: { currency: string; net: string }[]) => {
        const byCurrency = new Map<string, Money>();
        for (const row of rows)
          byCurrency.set(
            row.currency,
            (byCurrency.get(row.currency) ?? Money.zero(row.currency)).add(Money.of(row.net, row.currency)),
          );
        return Object.fromEntries(
          [...byCurrency].map(([currency, money]) => [currency, money.toDecimalString()]).sort(),
        );
      };
      const handTotals = totals(
        [...expected.entries()].map(([key, sums]) => ({
          currency: key.split('|')[3]!,
          net: sums.captured.subtract(sums.refunded).toDecimalString(),
        })),
      );
      for (const groupBy of ['month', 'method', 'region', 'region,method']) {
        const report = await h.app.revenue({ from: '2026-01', to: '2026-12', groupBy });
        assert.deepEqual(totals(report.rows), handTotals, groupBy);
      }
      assert.deepEqual(Object.keys(handTotals), ['EUR', 'JPY', 'USD']);
    });

    it('validates the range and grouping, naming the field', async () => {
      const field = (name: string) => (error: unknown) =>
        error instanceof AppError && error.kind === 'invalid_input' && error.field === name;
      await assert.rejects(h.app.revenue({ from: '2026-1', to: '2026-12' }), field('from'));
      await assert.rejects(h.app.revenue({ from: '2026-06', to: '2026-05' }), field('to'));
      await assert.rejects(
        h.app.revenue({ from: '2026-01', to: '2026-12', groupBy: 'month,currency' }),
        field('groupBy'),
      );
    });
  });
}
