import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Money, minorDigits } from './money.ts';
import { AppError } from './errors.ts';

describe('Money', () => {
  it('adds exactly: 19.99 + 1.60 = 21.59, 0.1 + 0.2 = 0.30', () => {
    assert.notEqual(0.1 + 0.2, 0.3);
    assert.equal(Money.of('0.1', 'USD').add(Money.of('0.2', 'USD')).toDecimalString(), '0.30');
    const total = Money.of('19.99', 'USD').add(Money.of('1.60', 'USD'));
    assert.equal(total.toDecimalString(), '21.59');
    assert.deepEqual(total.toJSON(), { amount: '21.59', currency: 'USD' });
    assert.equal(JSON.stringify({ total }), '{"total":{"amount":"21.59","currency":"USD"}}');
  });

  it('sums 0.1 ten times to exactly 1.00', () => {
    const tenth = Money.of('0.1', 'EUR');
    const sum = Money.sum(
      Array.from({ length: 10 }, () => tenth),
      'EUR',
    );
    assert.equal(sum.toDecimalString(), '1.00');
    assert.ok(sum.equals(Money.of('1', 'EUR')));
  });

  it('multiplies by quantity and by a decimal tax rate without drift', () => {
    const line = Money.of('0.10', 'USD').multiply(3);
    assert.equal(line.toDecimalString(), '0.30');
    const tax = Money.of('20.29', 'USD').multiply('0.0825');
    assert.equal(tax.toExactString(), '1.673925');
    assert.equal(tax.round().toDecimalString(), '1.67');
  });

  it('rounds half away from zero to the minor unit, per currency', () => {
    assert.equal(Money.of('0.125', 'USD').round().toDecimalString(), '0.13');
    assert.equal(Money.of('-0.125', 'USD').round().toDecimalString(), '-0.13');
    assert.equal(Money.of('0.124', 'USD').round().toDecimalString(), '0.12');
    assert.equal(Money.of('1234.5', 'JPY').round().toDecimalString(), '1235');
    assert.equal(Money.of('1.2345', 'KWD').round().toDecimalString(), '1.235');
    assert.equal(minorDigits('JPY'), 0);
    assert.equal(minorDigits('KWD'), 3);
  });

  it('refuses to combine different currencies', () => {
    assert.throws(
      () => Money.of('1', 'USD').add(Money.of('1', 'EUR')),
      (error: unknown) =>
        error instanceof AppError && error.code === 'MONEY.CURRENCY_MISMATCH' && error.kind === 'conflict',
    );
    assert.throws(() => Money.of('1', 'USD').compare(Money.of('1', 'EUR')), AppError);
  });

  it('refuses floats, malformed strings and unknown currencies, naming the field', () => {
    assert.throws(() => Money.of(0.1 as unknown as string, 'USD'), /never floats/);
    assert.throws(
      () => Money.parse('1e3', 'USD', 'price'),
      (e: unknown) => e instanceof AppError && e.field === 'price',
    );
    assert.throws(() => Money.parse('12.', 'USD'), AppError);
    assert.throws(() => Money.parse(12, 'USD'), AppError);
    assert.throws(
      () => Money.parse('1.00', 'XYZ'),
      (e: unknown) => e instanceof AppError && e.code === 'MONEY.INVALID_CURRENCY',
    );
    assert.throws(() => Money.parse('1.00', 'usd'), AppError);
  });

  it('parse refuses more fraction digits than the currency has', () => {
    assert.throws(
      () => Money.parse('21.599', 'USD'),
      (e: unknown) => e instanceof AppError && e.code === 'MONEY.TOO_PRECISE',
    );
    assert.throws(() => Money.parse('100.5', 'JPY'), AppError);
    assert.equal(Money.parse('21.5', 'USD').toDecimalString(), '21.50');
  });

  it('compares and classifies sign', () => {
    const a = Money.of('10.00', 'USD');
    const b = Money.of('9.99', 'USD');
    assert.ok(a.greaterThan(b));
    assert.ok(b.lessThan(a));
    assert.ok(b.subtract(a).isNegative());
    assert.ok(a.subtract(a).isZero());
    assert.equal(a.compare(Money.of('10', 'USD')), 0);
  });
});
