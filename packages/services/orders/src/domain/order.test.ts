import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Money } from '@polyshop/kernel';
import { priceOrder, type PricedLine } from './order.ts';
import { DEFAULT_REGIONS, parseRegions } from './region-pricing.ts';

const regions = parseRegions(DEFAULT_REGIONS);
const line = (sku: string, price: string, quantity: number, currency = 'USD'): PricedLine => ({
  sku,
  productId: `p-${sku}`,
  name: sku,
  quantity,
  unitPrice: Money.of(price, currency),
});

describe(priceOrder.name, () => {
  it('prices 19.99 × 1 and 0.10 × 3 with US tax exactly: 20.29 + 1.67 + 5.00 = 26.96', () => {
    const totals = priceOrder([line('A', '19.99', 1), line('B', '0.10', 3)], regions.get('US')!);
    assert.deepEqual(
      totals.items.map((item) => item.lineTotal.toDecimalString()),
      ['19.99', '0.30'],
    );
    assert.equal(totals.subtotal.toDecimalString(), '20.29');
    // 20.29 × 0.0825 = 1.673925 → 1.67 (rounded once, half away from zero)
    assert.equal(totals.tax.toDecimalString(), '1.67');
    assert.equal(totals.shipping.toDecimalString(), '5.00');
    assert.equal(totals.total.toDecimalString(), '26.96');
  });

  it('never drifts like floats do: 0.10 × 3 is exactly 0.30, and 0.1 + 0.2 lines sum to 0.30', () => {
    const totals = priceOrder([line('A', '0.10', 1), line('B', '0.20', 1)], regions.get('US')!);
    assert.equal(totals.subtotal.toExactString(), '0.3');
  });

  it('rounds tax half away from zero at the minor unit (EU 21 % of 0.50 = 0.105 → 0.11)', () => {
    const totals = priceOrder([line('A', '0.50', 1, 'EUR')], regions.get('EU')!);
    assert.equal(totals.tax.toDecimalString(), '0.11');
    assert.equal(totals.total.toDecimalString(), '5.51');
  });

  it('waives shipping from the free-shipping threshold on (exactly at it included)', () => {
    const at = priceOrder([line('A', '100.00', 1)], regions.get('US')!);
    assert.equal(at.shipping.toDecimalString(), '0.00');
    const below = priceOrder([line('A', '99.99', 1)], regions.get('US')!);
    assert.equal(below.shipping.toDecimalString(), '5.00');
  });

  it('prices zero-decimal currencies without inventing cents', () => {
    const [jp] = parseRegions({ JP: { currency: 'JPY', taxRate: '0.10', shipping: '500' } }).values();
    const totals = priceOrder([line('A', '1234', 2, 'JPY')], jp!);
    assert.equal(totals.subtotal.toDecimalString(), '2468');
    assert.equal(totals.tax.toDecimalString(), '247');
    assert.equal(totals.total.toDecimalString(), '3215');
  });
});

describe(parseRegions.name, () => {
  it('reads the defaults: US in USD, EU in EUR, UK in GBP', () => {
    assert.deepEqual(
      [...regions.values()].map((r) => [r.code, r.currency]),
      [
        ['US', 'USD'],
        ['EU', 'EUR'],
        ['UK', 'GBP'],
      ],
    );
  });

  it('refuses bad configuration naming the region and field', () => {
    assert.throws(
      () => parseRegions({ US: { currency: 'XYZ', taxRate: '0.1', shipping: '1.00' } }),
      /ORDERS_REGIONS\.US\.currency/,
    );
    assert.throws(
      () => parseRegions({ US: { currency: 'USD', taxRate: '1.5', shipping: '1.00' } }),
      /taxRate/,
    );
    assert.throws(
      () => parseRegions({ US: { currency: 'USD', taxRate: '0.1', shipping: '1.001' } }),
      /shipping/,
    );
    assert.throws(
      () => parseRegions({ US: { currency: 'USD', taxRate: '0.1', shipping: '-1.00' } }),
      /shipping/,
    );
    assert.throws(
      () => parseRegions({ us: { currency: 'USD', taxRate: '0.1', shipping: '1.00' } }),
      /region code/,
    );
    assert.throws(() => parseRegions({}), /at least one region/);
  });
});
