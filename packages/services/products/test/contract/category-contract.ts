import { it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import {
  createCategory,
  getCategory,
  listCategories,
  updateCategory,
} from '../../src/app/manage-categories.ts';
import { searchProducts } from '../../src/app/read-products.ts';
import { createProduct, updateProduct } from '../../src/app/write-products.ts';
import { aGadget, gadgetsCategory } from './catalog-builders.ts';
import type { ContractContext, Needs } from './product-repository.contract.ts';

/** Asserts that `promise` rejects with an AppError of this code (and field, when given). */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  field?: string,
): Promise<AppError> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected ${code}, got success`),
    (error: unknown) => (caught = error),
  );
  assert.ok(caught instanceof AppError, `expected an AppError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (field !== undefined) assert.equal(caught.field, field);
  return caught;
}

export function categoryContract(get: () => ContractContext, needs: Needs): void {
  it('creates, finds, lists and versions categories; a taken slug is a conflict', async () => {
    const { deps } = get();
    const created = await createCategory(deps, gadgetsCategory());
    assert.equal(created.version, 1);
    const found = await getCategory(deps, 'gadgets');
    assert.deepEqual(found, created);
    assert.ok((await listCategories(deps)).some((category) => category.slug === 'gadgets'));
    await rejectsWith(createCategory(deps, gadgetsCategory()), 'CATEGORY.SLUG_TAKEN', 'slug');
    await rejectsWith(getCategory(deps, 'nope'), 'CATEGORY.NOT_FOUND');
  });

  it('validates products against their category, naming the attribute at fault', needs('facet'), async () => {
    const { deps } = get();
    const attempt = (attributes: Record<string, unknown>) => createProduct(deps, aGadget({ attributes }));
    await rejectsWith(
      attempt({ tier: 'basic', wheels: 4 }),
      'PRODUCT.UNKNOWN_ATTRIBUTE',
      'attributes.wheels',
    );
    await rejectsWith(attempt({ color: 'Red' }), 'PRODUCT.MISSING_ATTRIBUTE', 'attributes.tier');
    await rejectsWith(attempt({ tier: 'ultra' }), 'PRODUCT.INVALID_ATTRIBUTE', 'attributes.tier');
    await rejectsWith(
      attempt({ tier: 'pro', weightGrams: '180' }),
      'PRODUCT.INVALID_ATTRIBUTE',
      'attributes.weightGrams',
    );
    await rejectsWith(
      attempt({ tier: 'pro', waterproof: 'yes' }),
      'PRODUCT.INVALID_ATTRIBUTE',
      'attributes.waterproof',
    );
    await rejectsWith(
      attempt({ tier: 'pro', storage: ['3TB'] }),
      'PRODUCT.INVALID_ATTRIBUTE',
      'attributes.storage',
    );
    await rejectsWith(
      createProduct(
        deps,
        aGadget({ variants: [{ sku: 'V-BAD-1', attributes: { storage: '3TB' }, price: '1.00' }] }),
      ),
      'PRODUCT.INVALID_ATTRIBUTE',
      'variants.0.attributes.storage',
    );
    await rejectsWith(
      createProduct(deps, aGadget({}, 'no-such-category')),
      'PRODUCT.UNKNOWN_CATEGORY',
      'category',
    );
    assert.equal(
      (await searchProducts(deps, { category: 'gadgets', status: 'any' })).items.length,
      0,
      'nothing invalid was stored',
    );
  });

  it(
    'keeps undefined attributes only where the category allows free attributes',
    needs('decimal128'),
    async () => {
      const { deps } = get();
      await createCategory(deps, { ...gadgetsCategory('bazaar'), name: 'Bazaar', allowFreeAttributes: true });
      const product = await createProduct(
        deps,
        aGadget({ attributes: { tier: 'pro', vintage: true, era: '1970s' } }, 'bazaar'),
      );
      assert.deepEqual(product.attributes, { tier: 'pro', vintage: true, era: '1970s' });
      await rejectsWith(
        updateCategory(deps, 'bazaar', { allowFreeAttributes: false }),
        'CATEGORY.FREE_ATTRIBUTES_REVOKED',
      );
    },
  );

  it(
    'adds an attribute to a category with no migration: existing products stay valid, new ones use it at once',
    needs('decimal128', 'facet'),
    async () => {
      const { deps, fixture } = get();
      await createCategory(deps, { ...gadgetsCategory('wearables'), name: 'Wearables' });
      const old = await createProduct(deps, aGadget({}, 'wearables'));
      const structure = await fixture.schemaFingerprint();

      const updated = await updateCategory(deps, 'wearables', {
        attributes: [{ name: 'batteryDays', type: 'number', unit: 'd', facet: true }],
      });
      assert.equal(updated.version, 2);
      assert.equal(await fixture.schemaFingerprint(), structure, 'the store structure did not change');

      const renamed = await updateProduct(deps, old.id, { name: 'Old watch, renamed' }, old.version);
      assert.equal(renamed.version, 2);
      const fresh = await createProduct(
        deps,
        aGadget({ attributes: { tier: 'pro', batteryDays: 7 } }, 'wearables'),
      );
      const listing = await searchProducts(deps, { category: 'wearables', 'attr.batteryDays': '7' });
      assert.deepEqual(
        listing.items.map((item) => item.id),
        [fresh.id],
      );
      assert.deepEqual(listing.facets.batteryDays, [{ value: 7, count: 1 }]);
    },
  );

  // Works on the category and products the case before made, so it needs what that case needs.
  it(
    'refuses category changes that would invalidate existing products',
    needs('decimal128', 'facet'),
    async () => {
      const { deps } = get();
      await rejectsWith(
        updateCategory(deps, 'wearables', { attributes: [{ name: 'color', type: 'number' }] }),
        'CATEGORY.ATTRIBUTE_TYPE_CHANGED',
        'attributes.0.type',
      );
      await rejectsWith(
        updateCategory(deps, 'wearables', {
          attributes: [{ name: 'strap', type: 'string', required: true }],
        }),
        'CATEGORY.REQUIRED_ATTRIBUTE_ADDED',
        'attributes.0.required',
      );
      await rejectsWith(
        updateCategory(deps, 'wearables', {
          attributes: [{ name: 'tier', type: 'enum', values: ['pro'], required: true }],
        }),
        'CATEGORY.ATTRIBUTE_VALUE_REMOVED',
        'attributes.0.values',
      );
      const widened = await updateCategory(deps, 'wearables', {
        attributes: [{ name: 'tier', type: 'enum', values: ['basic', 'pro', 'max'], required: true }],
      });
      assert.deepEqual(widened.attributes.find((a) => a.name === 'tier')?.values, ['basic', 'pro', 'max']);
      await rejectsWith(
        updateCategory(deps, 'wearables', { name: 'Stale' }, 1),
        'CATEGORY.VERSION_MISMATCH',
        'If-Match',
      );
    },
  );

  it(
    'answers a concurrent category change with a version mismatch, never a lost update',
    needs('atomicUpdates'),
    async () => {
      const { deps, repository } = get();
      const current = await createCategory(deps, { ...gadgetsCategory('rivals'), name: 'Rivals' });
      const first = { ...current, name: 'First', version: current.version + 1 };
      const second = { ...current, name: 'Second', version: current.version + 1 };
      const results = await Promise.allSettled([
        repository.updateCategory(first, current.version),
        repository.updateCategory(second, current.version),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal((rejected.reason as AppError).code, 'CATEGORY.VERSION_MISMATCH');
    },
  );
}
