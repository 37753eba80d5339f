import type { NewCategoryInput } from '../../src/domain/category.ts';
import type { ProductInput } from '../../src/domain/product.ts';

/** A test category exercising every attribute type. */
export function gadgetsCategory(slug = 'gadgets'): NewCategoryInput {
  return {
    slug,
    name: 'Gadgets',
    attributes: [
      { name: 'storage', type: 'list', values: ['64GB', '128GB', '256GB', '512GB'], facet: true },
      { name: 'color', type: 'string', facet: true },
      { name: 'weightGrams', type: 'number', unit: 'g', filterable: true },
      { name: 'waterproof', type: 'boolean', facet: true },
      { name: 'tier', type: 'enum', values: ['basic', 'pro'], required: true, filterable: true },
      { name: 'internalCode', type: 'string' },
    ],
    variantAttributes: [{ name: 'storage', type: 'enum', values: ['64GB', '128GB', '256GB', '512GB'] }],
  };
}

let counter = 0;

/** A valid gadget; slug and SKUs are unique per call. */
export function aGadget(overrides: Partial<ProductInput> = {}, category = 'gadgets'): ProductInput {
  counter += 1;
  const code = `${Date.now().toString(36)}${counter}`.toUpperCase();
  return {
    name: `Gadget ${code}`,
    slug: `gadget-${code.toLowerCase()}`,
    category,
    brand: 'Acme',
    description: 'A gadget.',
    currency: 'USD',
    basePrice: '100.00',
    attributes: { storage: ['128GB'], color: 'Black', tier: 'basic' },
    variants: [{ sku: `G-${code}-1`, attributes: { storage: '128GB' }, price: '100.00' }],
    specifications: { camera: { main: '12MP' } },
    status: 'active',
    ...overrides,
  };
}

/** A unique SKU. */
export function aSku(): string {
  counter += 1;
  return `S-${Date.now().toString(36).toUpperCase()}-${counter}`;
}
