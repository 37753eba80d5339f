import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppError } from '@polyshop/kernel';
import { findVariants } from '../../src/app/read-products.ts';
import { archiveProduct, createProduct, getProduct, updateProduct } from '../../src/app/write-products.ts';
import { toProductDocument } from '../../src/domain/product.ts';
import { aGadget, aSku } from './catalog-builders.ts';
import { rejectsWith } from './category-contract.ts';
import type { ContractContext, Needs } from './product-repository.contract.ts';

export function crudContract(get: () => ContractContext, needs: Needs): void {
  // Every case stores products, and a product's prices are Decimal128 in MongoDB.
  it(
    'stores a product document and reads it back identical, prices exact to the last digit',
    needs('decimal128'),
    async () => {
      const { deps, clock } = get();
      clock.advance(1000);
      const input = aGadget({
        basePrice: '1234567890123.45',
        attributes: {
          storage: ['128GB', '256GB'],
          color: 'Blue Titanium',
          tier: 'pro',
          weightGrams: 187.5,
          waterproof: true,
        },
        variants: [
          { sku: aSku(), attributes: { storage: '128GB' }, price: '0.10', weight: '187g' },
          { sku: aSku(), attributes: { storage: '256GB' }, price: '1234567890123.45' },
          { sku: aSku(), attributes: { storage: '256GB' } },
        ],
        specifications: {
          display: { size: '6.1"', resolution: '2556x1179' },
          camera: { main: '48MP', ultra: '12MP' },
          connectivity: ['5G', 'WiFi 6E'],
          depth: { nested: { deeper: { level: 4 } } },
        },
      });
      const created = await createProduct(deps, input);
      assert.equal(created.version, 1);
      const read = await getProduct(deps, created.id);
      const document = toProductDocument(read);
      assert.deepEqual(document, toProductDocument(created));
      assert.deepEqual(
        document.variants.map((v) => v.price),
        ['0.10', '1234567890123.45', '1234567890123.45'],
      );
      assert.equal(document.basePrice, '1234567890123.45');
      assert.equal(document.createdAt, clock.now().toISOString());
      assert.deepEqual(document.specifications.connectivity, ['5G', 'WiFi 6E']);
    },
  );

  it("keeps each currency's minor unit: JPY whole, KWD three decimals", needs('decimal128'), async () => {
    const { deps } = get();
    const yen = await createProduct(
      deps,
      aGadget({ currency: 'JPY', basePrice: '129800', variants: [{ sku: aSku(), price: '129800' }] }),
    );
    const dinar = await createProduct(
      deps,
      aGadget({ currency: 'KWD', basePrice: '12.345', variants: [{ sku: aSku(), price: '0.001' }] }),
    );
    assert.equal(toProductDocument(await getProduct(deps, yen.id)).variants[0]!.price, '129800');
    assert.equal(toProductDocument(await getProduct(deps, dinar.id)).variants[0]!.price, '0.001');
    await rejectsWith(
      createProduct(deps, aGadget({ currency: 'JPY', basePrice: '1.5' })),
      'MONEY.TOO_PRECISE',
      'basePrice',
    );
    await rejectsWith(
      createProduct(deps, aGadget({ basePrice: '10.00', variants: [{ sku: aSku(), price: '9.999' }] })),
      'MONEY.TOO_PRECISE',
      'variants.0.price',
    );
  });

  it(
    'records product.created / updated / archived events carrying the full document',
    needs('decimal128'),
    async () => {
      const { deps, fixture } = get();
      const before = (await fixture.recordedEvents()).length;
      const created = await createProduct(deps, aGadget());
      const updated = await updateProduct(deps, created.id, { name: 'Renamed gadget' }, 1);
      const archived = await archiveProduct(deps, created.id);
      const events = (await fixture.recordedEvents()).slice(before);
      assert.deepEqual(
        events.map((e) => e.type),
        ['product.created', 'product.updated', 'product.archived'],
      );
      assert.deepEqual(
        events.map((e) => e.data),
        [created, updated, archived].map(toProductDocument),
      );
      for (const event of events) {
        assert.equal(event.source, 'products');
        assert.equal(event.aggregateType, 'product');
        assert.equal(event.aggregateId, created.id);
        assert.equal(event.version, 1);
      }
      assert.equal(archived.status, 'archived');
      assert.equal((await getProduct(deps, created.id)).status, 'archived');
      const again = await archiveProduct(deps, created.id);
      assert.equal(again.version, archived.version, 'archiving twice changes nothing');
      assert.equal((await fixture.recordedEvents()).length, before + 3);
    },
  );

  it(
    'patches: merge-patches attributes and specifications, replaces variants, bumps the version',
    needs('decimal128'),
    async () => {
      const { deps } = get();
      const created = await createProduct(
        deps,
        aGadget({
          attributes: { tier: 'basic', color: 'Red', weightGrams: 100 },
          specifications: { camera: { main: '12MP', ultra: '8MP' } },
        }),
      );
      const sku = aSku();
      const patched = await updateProduct(
        deps,
        created.id,
        {
          attributes: { color: null, waterproof: true },
          specifications: { camera: { ultra: null, tele: '10MP' } },
          variants: [{ sku, price: '42.00' }],
          brand: null,
        },
        1,
      );
      assert.equal(patched.version, 2);
      assert.deepEqual(patched.attributes, { tier: 'basic', weightGrams: 100, waterproof: true });
      assert.deepEqual(patched.specifications, { camera: { main: '12MP', tele: '10MP' } });
      assert.equal(patched.brand, undefined);
      assert.deepEqual(toProductDocument(await getProduct(deps, created.id)), toProductDocument(patched));
      const [snapshot] = await findVariants(deps, [sku, created.variants[0]!.sku]);
      assert.equal(snapshot?.price, '42.00');
      assert.equal(
        (await findVariants(deps, [created.variants[0]!.sku])).length,
        0,
        'the replaced variant is gone',
      );
    },
  );

  it(
    'optimistic concurrency: a stale version is refused, and of two racing writers exactly one wins',
    needs('decimal128', 'atomicUpdates'),
    async () => {
      const { deps } = get();
      const created = await createProduct(deps, aGadget());
      await updateProduct(deps, created.id, { name: 'v2' }, 1);
      const stale = await rejectsWith(
        updateProduct(deps, created.id, { name: 'lost update' }, 1),
        'PRODUCT.VERSION_MISMATCH',
        'If-Match',
      );
      assert.equal(stale.kind, 'precondition_failed');
      const results = await Promise.allSettled([
        updateProduct(deps, created.id, { name: 'writer A' }, 2),
        updateProduct(deps, created.id, { name: 'writer B' }, 2),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal((lost[0]!.reason as AppError).kind, 'precondition_failed');
      const final = await getProduct(deps, created.id);
      assert.equal(final.version, 3);
      assert.equal(final.name, (won[0] as PromiseFulfilledResult<{ name: string }>).value.name);
      await rejectsWith(
        updateProduct(deps, '01900000-0000-7000-8000-000000000000', { name: 'x' }, 1),
        'PRODUCT.NOT_FOUND',
      );
    },
  );

  it(
    'keeps slugs and SKUs unique across the catalogue, naming the field; a product may keep its own SKUs',
    needs('decimal128'),
    async () => {
      const { deps } = get();
      const first = await createProduct(deps, aGadget());
      await rejectsWith(createProduct(deps, aGadget({ slug: first.slug })), 'PRODUCT.SLUG_TAKEN', 'slug');
      const clash = aGadget({
        variants: [
          { sku: aSku(), price: '1.00' },
          { sku: first.variants[0]!.sku, price: '2.00' },
        ],
      });
      await rejectsWith(createProduct(deps, clash), 'PRODUCT.SKU_TAKEN', 'variants.1.sku');
      await rejectsWith(
        createProduct(deps, aGadget({ variants: [{ sku: 'DUP-1' }, { sku: 'DUP-1' }] })),
        'PRODUCT.DUPLICATE_SKU',
        'variants.1.sku',
      );
      const kept = await updateProduct(
        deps,
        first.id,
        { variants: [{ sku: first.variants[0]!.sku, price: '7.00' }] },
        1,
      );
      assert.equal(kept.variants[0]!.price.toDecimalString(), '7.00');
      const second = await createProduct(deps, aGadget());
      await rejectsWith(
        updateProduct(deps, second.id, { variants: [{ sku: first.variants[0]!.sku }] }, 1),
        'PRODUCT.SKU_TAKEN',
        'variants.0.sku',
      );
      await rejectsWith(
        updateProduct(deps, second.id, { slug: first.slug }, 1),
        'PRODUCT.SLUG_TAKEN',
        'slug',
      );
      assert.equal((await getProduct(deps, second.id)).version, 1, 'a refused write changes nothing');
    },
  );

  it('lets exactly one of two concurrent creates take a SKU', needs('decimal128'), async () => {
    const { deps } = get();
    const sku = aSku();
    const results = await Promise.allSettled([
      createProduct(deps, aGadget({ variants: [{ sku }] })),
      createProduct(deps, aGadget({ variants: [{ sku }] })),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    assert.equal((lost.reason as AppError).code, 'PRODUCT.SKU_TAKEN');
  });

  it('finds variant snapshots by SKU; unknown SKUs are simply absent', needs('decimal128'), async () => {
    const { deps } = get();
    const product = await createProduct(
      deps,
      aGadget({
        currency: 'EUR',
        basePrice: '19.90',
        variants: [
          { sku: aSku(), attributes: { storage: '64GB' } },
          { sku: aSku(), price: '24.90' },
        ],
      }),
    );
    const [a, b] = product.variants.map((variant) => variant.sku);
    const snapshots = await findVariants(deps, [b!, 'NO-SUCH-SKU', a!, b!]);
    assert.deepEqual(snapshots, [
      {
        sku: b,
        productId: product.id,
        productName: product.name,
        variantAttributes: {},
        price: '24.90',
        currency: 'EUR',
        status: 'active',
      },
      {
        sku: a,
        productId: product.id,
        productName: product.name,
        variantAttributes: { storage: '64GB' },
        price: '19.90',
        currency: 'EUR',
        status: 'active',
      },
    ]);
    assert.deepEqual(await findVariants(deps, []), []);
  });
}
