import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { newCategory, patchCategory } from './category.ts';

const now = new Date('2026-01-01T00:00:00Z');
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? `${error.code} ${error.field}` : String(error);
  }
  return 'no error';
};

describe('categories', () => {
  const phones = () =>
    newCategory(
      {
        slug: 'phones',
        name: ' Phones ',
        attributes: [
          { name: 'storage', type: 'list', values: ['128GB', '256GB'], facet: true },
          { name: 'os', type: 'enum', values: ['iOS', 'Android'], required: true },
        ],
      },
      now,
    );

  it('normalises definitions: flags default to false, facet implies filterable', () => {
    const category = phones();
    assert.equal(category.name, 'Phones');
    assert.deepEqual(category.attributes[0], {
      name: 'storage',
      type: 'list',
      values: ['128GB', '256GB'],
      required: false,
      filterable: true,
      facet: true,
    });
    assert.equal(category.allowFreeAttributes, false);
    assert.equal(category.version, 1);
  });

  it('refuses bad definitions, naming the field', () => {
    assert.equal(
      code(() => newCategory({ slug: 'Bad Slug', name: 'x' }, now)),
      'CATEGORY.INVALID_SLUG slug',
    );
    assert.equal(
      code(() => newCategory({ slug: 'x', name: 'x', attributes: [{ name: 'a.b', type: 'string' }] }, now)),
      'CATEGORY.INVALID_ATTRIBUTE_NAME attributes.0.name',
    );
    assert.equal(
      code(() => newCategory({ slug: 'x', name: 'x', attributes: [{ name: 'c', type: 'enum' }] }, now)),
      'CATEGORY.ENUM_WITHOUT_VALUES attributes.0.values',
    );
    assert.equal(
      code(() =>
        newCategory(
          {
            slug: 'x',
            name: 'x',
            attributes: [
              { name: 'c', type: 'string' },
              { name: 'c', type: 'number' },
            ],
          },
          now,
        ),
      ),
      'CATEGORY.DUPLICATE_ATTRIBUTE attributes.1.name',
    );
    assert.equal(
      code(() =>
        newCategory(
          { slug: 'x', name: 'x', attributes: [{ name: 'c', type: 'number', values: ['1'] }] },
          now,
        ),
      ),
      'CATEGORY.UNEXPECTED_VALUES attributes.0.values',
    );
  });

  it('merges attribute changes by name and accepts only compatible ones', () => {
    const category = phones();
    const later = new Date('2026-02-01T00:00:00Z');
    const patched = patchCategory(
      category,
      {
        attributes: [
          { name: 'battery', type: 'number', unit: 'mAh' },
          { name: 'storage', type: 'list', values: ['128GB', '256GB', '1TB'] },
        ],
      },
      later,
    );
    assert.deepEqual(
      patched.attributes.map((a) => a.name),
      ['storage', 'os', 'battery'],
    );
    assert.deepEqual(patched.attributes[0]!.values, ['128GB', '256GB', '1TB']);
    assert.equal(patched.version, 2);
    assert.deepEqual(patched.updatedAt, later);
    assert.equal(
      code(() => patchCategory(category, { attributes: [{ name: 'os', type: 'string' }] }, later)),
      'CATEGORY.ATTRIBUTE_TYPE_CHANGED attributes.0.type',
    );
    assert.equal(
      code(() =>
        patchCategory(
          category,
          { attributes: [{ name: 'storage', type: 'list', values: ['128GB'] }] },
          later,
        ),
      ),
      'CATEGORY.ATTRIBUTE_VALUE_REMOVED attributes.0.values',
    );
    assert.equal(
      code(() =>
        patchCategory(
          category,
          { attributes: [{ name: 'storage', type: 'list', values: ['128GB', '256GB'], required: true }] },
          later,
        ),
      ),
      'CATEGORY.ATTRIBUTE_MADE_REQUIRED attributes.0.required',
    );
    assert.equal(
      code(() =>
        patchCategory(category, { attributes: [{ name: 'new', type: 'string', required: true }] }, later),
      ),
      'CATEGORY.REQUIRED_ATTRIBUTE_ADDED attributes.0.required',
    );
    const relaxed = patchCategory(
      category,
      { attributes: [{ name: 'os', type: 'enum', values: ['iOS', 'Android', 'HarmonyOS'] }] },
      later,
    );
    assert.equal(relaxed.attributes[1]!.required, false, 'making an attribute optional is fine');
    const unrestricted = patchCategory(category, { attributes: [{ name: 'storage', type: 'list' }] }, later);
    assert.equal(
      unrestricted.attributes[0]!.values,
      undefined,
      'a list may drop its allowed-values restriction',
    );
  });
});
