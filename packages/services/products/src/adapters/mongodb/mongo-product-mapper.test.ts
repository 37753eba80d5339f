import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Money } from '@polyshop/kernel';
import { Decimal128 } from 'mongodb';
import { toDecimal128 } from './mongo-product-mapper.ts';

describe('toDecimal128', () => {
  it('makes the bytes Decimal128.fromString makes, digit for digit', () => {
    const amounts = [
      '0',
      '0.00',
      '0.10',
      '12.30',
      '-7.05',
      '129800',
      '1234567890123456789',
      '9999999999999999.999',
      '12345678901234567890.5', // more than 19 digits: fromString's way
      '1e3',
      '00042.500',
    ];
    for (const amount of amounts) {
      const made = toDecimal128(amount);
      assert.deepEqual(Buffer.from(made.bytes), Buffer.from(Decimal128.fromString(amount).bytes), amount);
      assert.equal(made.toString(), Decimal128.fromString(amount).toString(), amount);
    }
    assert.equal(toDecimal128(Money.of('19.99', 'EUR')).toString(), '19.99');
  });
});
