import { AppError } from '@polyshop/kernel';
import type { AttributeDefinition } from './attribute-definition.ts';

/** A value of a category attribute: a scalar, or a list of strings. */
export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

/** Any JSON value but null: what nested specifications may hold. */
export type SpecificationValue =
  string | number | boolean | SpecificationValue[] | { [key: string]: SpecificationValue };
export type Specifications = { [key: string]: SpecificationValue };

const MAX_SPEC_DEPTH = 8;

/**
 * Checks a product's (or variant's) attributes against the category's definitions and returns them
 * as stored. Each problem is a 400 naming the attribute (`attributes.storage`).
 */
export function validateAttributes(
  input: unknown,
  definitions: readonly AttributeDefinition[],
  options: { field: string; allowFree: boolean },
): Attributes {
  const { field } = options;
  if (input === undefined) input = {};
  if (!isPlainObject(input)) {
    throw AppError.invalidInput('PRODUCT.INVALID_ATTRIBUTES', `${field} must be an object.`, { field });
  }
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const result: Attributes = {};
  for (const [name, value] of Object.entries(input)) {
    const at = `${field}.${name}`;
    const definition = byName.get(name);
    if (!definition) {
      if (!options.allowFree) {
        throw AppError.invalidInput(
          'PRODUCT.UNKNOWN_ATTRIBUTE',
          `The category does not define attribute "${name}".`,
          { field: at },
        );
      }
      result[name] = freeValue(value, at);
      continue;
    }
    result[name] = checkValue(definition, value, at);
  }
  for (const definition of definitions) {
    if (definition.required && !(definition.name in result)) {
      throw AppError.invalidInput(
        'PRODUCT.MISSING_ATTRIBUTE',
        `The category requires attribute "${definition.name}".`,
        { field: `${field}.${definition.name}` },
      );
    }
  }
  return result;
}

function checkValue(definition: AttributeDefinition, value: unknown, at: string): AttributeValue {
  const fail = (expected: string): never => {
    throw AppError.invalidInput(
      'PRODUCT.INVALID_ATTRIBUTE',
      `Attribute "${definition.name}" must be ${expected}.`,
      { field: at },
    );
  };
  switch (definition.type) {
    case 'string':
      return typeof value === 'string' && value !== '' ? value : fail('a non-empty string');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : fail('a number');
    case 'boolean':
      return typeof value === 'boolean' ? value : fail('true or false');
    case 'enum':
      return typeof value === 'string' && definition.values!.includes(value)
        ? value
        : fail(`one of ${definition.values!.join(', ')}`);
    case 'list': {
      const allowed = definition.values;
      const expected = allowed ? `a list of ${allowed.join(', ')}` : 'a list of non-empty strings';
      if (!Array.isArray(value)) return fail(expected);
      for (const item of value) {
        if (typeof item !== 'string' || item === '' || (allowed && !allowed.includes(item)))
          return fail(expected);
      }
      if (new Set(value).size !== value.length) return fail('a list without repeated values');
      return [...(value as string[])];
    }
  }
}

function freeValue(value: unknown, at: string): AttributeValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  throw AppError.invalidInput(
    'PRODUCT.INVALID_ATTRIBUTE',
    'A free attribute is a string, number, boolean or list of strings.',
    { field: at },
  );
}

/** Checks nested specifications: JSON objects, arrays and scalars, no nulls, at most 8 levels deep. */
export function validateSpecifications(input: unknown, field = 'specifications'): Specifications {
  if (input === undefined) return {};
  if (!isPlainObject(input)) {
    throw AppError.invalidInput('PRODUCT.INVALID_SPECIFICATIONS', 'specifications must be an object.', {
      field,
    });
  }
  const visit = (value: unknown, at: string, depth: number): SpecificationValue => {
    if (depth > MAX_SPEC_DEPTH) {
      throw AppError.invalidInput(
        'PRODUCT.INVALID_SPECIFICATIONS',
        `Specifications nest at most ${MAX_SPEC_DEPTH} levels.`,
        { field: at },
      );
    }
    if (typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (Array.isArray(value)) return value.map((item, index) => visit(item, `${at}.${index}`, depth + 1));
    if (isPlainObject(value)) {
      const out: Specifications = {};
      for (const [key, item] of Object.entries(value)) {
        if (!SPEC_KEY.test(key)) {
          throw AppError.invalidInput(
            'PRODUCT.INVALID_SPECIFICATIONS',
            `Specification keys are letters, digits, _ and - (got "${key}").`,
            { field: `${at}.${key}` },
          );
        }
        out[key] = visit(item, `${at}.${key}`, depth + 1);
      }
      return out;
    }
    throw AppError.invalidInput(
      'PRODUCT.INVALID_SPECIFICATIONS',
      'Specification values are strings, numbers, booleans, lists or objects (no null).',
      { field: at },
    );
  };
  return visit(input, field, 0) as Specifications;
}

/** A key of a nested specification; dots separate levels in `spec.camera.main` filters. */
export const SPEC_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
