import { AppError } from '@polyshop/kernel';
import {
  mergeDefinitions,
  normaliseDefinitions,
  type AttributeDefinition,
  type AttributeDefinitionInput,
} from './attribute-definition.ts';

/**
 * A product category and the attributes its products carry. `attributes` describe the product's
 * own `attributes` (what shoppers filter and facet on); `variantAttributes` describe each variant's
 * `attributes` (what tells variants apart: storage, colour, size).
 */
export interface Category {
  slug: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
  variantAttributes: AttributeDefinition[];
  /** When true, products may carry attributes the category does not define (kept, not validated). */
  allowFreeAttributes: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCategoryInput {
  slug: string;
  name: string;
  description?: string;
  attributes?: AttributeDefinitionInput[];
  variantAttributes?: AttributeDefinitionInput[];
  allowFreeAttributes?: boolean;
}

/**
 * A category change: `attributes` / `variantAttributes` are merged by name (new names are added,
 * known names replaced by compatible definitions); nothing is removed.
 */
export interface CategoryPatch {
  name?: string;
  description?: string;
  attributes?: AttributeDefinitionInput[];
  variantAttributes?: AttributeDefinitionInput[];
  allowFreeAttributes?: boolean;
}

export const CATEGORY_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function newCategory(input: NewCategoryInput, now: Date): Category {
  if (typeof input.slug !== 'string' || !CATEGORY_SLUG.test(input.slug) || input.slug.length > 64) {
    throw AppError.invalidInput(
      'CATEGORY.INVALID_SLUG',
      'A category slug is lowercase letters, digits and single dashes (smartphones, home-garden).',
      { field: 'slug' },
    );
  }
  return {
    slug: input.slug,
    name: requireName(input.name),
    description: input.description ?? '',
    attributes: normaliseDefinitions(input.attributes ?? [], 'attributes'),
    variantAttributes: normaliseDefinitions(input.variantAttributes ?? [], 'variantAttributes'),
    allowFreeAttributes: input.allowFreeAttributes ?? false,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** Applies a patch; refuses changes that would make existing products invalid (see `mergeDefinitions`). */
export function patchCategory(category: Category, patch: CategoryPatch, now: Date): Category {
  if (patch.allowFreeAttributes === false && category.allowFreeAttributes) {
    throw AppError.conflict(
      'CATEGORY.FREE_ATTRIBUTES_REVOKED',
      'Free attributes cannot be switched off: existing products may carry some.',
      { field: 'allowFreeAttributes' },
    );
  }
  const attributes = patch.attributes
    ? mergeDefinitions(
        category.attributes,
        normaliseDefinitions(patch.attributes, 'attributes'),
        'attributes',
      )
    : category.attributes;
  const variantAttributes = patch.variantAttributes
    ? mergeDefinitions(
        category.variantAttributes,
        normaliseDefinitions(patch.variantAttributes, 'variantAttributes'),
        'variantAttributes',
      )
    : category.variantAttributes;
  return {
    ...category,
    name: patch.name === undefined ? category.name : requireName(patch.name),
    description: patch.description ?? category.description,
    attributes,
    variantAttributes,
    allowFreeAttributes: patch.allowFreeAttributes ?? category.allowFreeAttributes,
    version: category.version + 1,
    updatedAt: now,
  };
}

/** The definition of one product attribute, if the category has it. */
export function attributeOf(category: Category, name: string): AttributeDefinition | undefined {
  return category.attributes.find((definition) => definition.name === name);
}

function requireName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw AppError.invalidInput('CATEGORY.NAME_REQUIRED', 'A category needs a name.', { field: 'name' });
  }
  return name.trim();
}

/**
 * Why a conditional category update matched nothing: the category is gone (`CATEGORY.NOT_FOUND`), or it
 * moved past the expected version (`CATEGORY.VERSION_MISMATCH`, 412). Every store's adapter throws it.
 */
export function categoryUpdateRefused(
  slug: string,
  current: Pick<Category, 'version'> | undefined,
): AppError {
  if (!current) return AppError.notFound('CATEGORY.NOT_FOUND', `No category ${slug}.`, { field: 'slug' });
  return new AppError(
    'precondition_failed',
    'CATEGORY.VERSION_MISMATCH',
    `Category ${slug} changed meanwhile (now version ${current.version}).`,
    { field: 'If-Match' },
  );
}
