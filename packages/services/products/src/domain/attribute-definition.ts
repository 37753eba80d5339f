import { AppError } from '@polyshop/kernel';

/** The kinds of value a category attribute can hold. */
export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'enum', 'list'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/**
 * One attribute a category defines for its products (or their variants). Definitions are data:
 * adding one to a category needs no database migration.
 */
export interface AttributeDefinition {
  /** Key in the product's `attributes` (`storage`); letters, digits and `_`, starting with a letter. */
  name: string;
  /**
   * `string`, `number` (JSON number), `boolean`, `enum` (one of `values`), `list` (strings, each of `values`
   * when given).
   */
  type: AttributeType;
  /** Human label for UIs; defaults to the name. */
  label?: string;
  /** Unit of a number (`mAh`, `in`, `g`); informative only. */
  unit?: string;
  /** Allowed values: required for `enum`, optional for `list`. */
  values?: string[];
  /** Every product of the category must carry it. */
  required: boolean;
  /** May be used in `attr.<name>` filters. */
  filterable: boolean;
  /** Listed with value counts in search facets (implies filterable). */
  facet: boolean;
}

/** A definition as a client may send it (flags default to false). */
export type AttributeDefinitionInput = Omit<AttributeDefinition, 'required' | 'filterable' | 'facet'> &
  Partial<Pick<AttributeDefinition, 'required' | 'filterable' | 'facet'>>;

export const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Normalises and checks a list of definitions; `field` names the list in errors (`attributes`). */
export function normaliseDefinitions(
  inputs: readonly AttributeDefinitionInput[],
  field: string,
): AttributeDefinition[] {
  const seen = new Set<string>();
  return inputs.map((input, index) => {
    const at = `${field}.${index}`;
    if (typeof input.name !== 'string' || !ATTRIBUTE_NAME.test(input.name)) {
      throw AppError.invalidInput(
        'CATEGORY.INVALID_ATTRIBUTE_NAME',
        `Attribute names are letters, digits and _ starting with a letter (got "${String(input.name)}").`,
        { field: `${at}.name` },
      );
    }
    if (seen.has(input.name)) {
      throw AppError.invalidInput(
        'CATEGORY.DUPLICATE_ATTRIBUTE',
        `Attribute "${input.name}" is defined twice.`,
        { field: `${at}.name` },
      );
    }
    seen.add(input.name);
    if (!(ATTRIBUTE_TYPES as readonly string[]).includes(input.type)) {
      throw AppError.invalidInput(
        'CATEGORY.INVALID_ATTRIBUTE_TYPE',
        `Attribute "${input.name}" has type "${String(input.type)}"; expected one of ${ATTRIBUTE_TYPES.join(', ')}.`,
        { field: `${at}.type` },
      );
    }
    if (input.type === 'enum' && !input.values?.length) {
      throw AppError.invalidInput(
        'CATEGORY.ENUM_WITHOUT_VALUES',
        `Enum attribute "${input.name}" needs its list of values.`,
        { field: `${at}.values` },
      );
    }
    if (input.values && input.type !== 'enum' && input.type !== 'list') {
      throw AppError.invalidInput(
        'CATEGORY.UNEXPECTED_VALUES',
        `Only enum and list attributes take values ("${input.name}" is ${input.type}).`,
        { field: `${at}.values` },
      );
    }
    if (input.values && new Set(input.values).size !== input.values.length) {
      throw AppError.invalidInput(
        'CATEGORY.DUPLICATE_VALUE',
        `Attribute "${input.name}" lists a value twice.`,
        { field: `${at}.values` },
      );
    }
    const facet = input.facet ?? false;
    const definition: AttributeDefinition = {
      name: input.name,
      type: input.type,
      required: input.required ?? false,
      filterable: facet || (input.filterable ?? false),
      facet,
    };
    if (input.label !== undefined) definition.label = input.label;
    if (input.unit !== undefined) definition.unit = input.unit;
    if (input.values !== undefined) definition.values = [...input.values];
    return definition;
  });
}

/**
 * Merges changed or new definitions into a category's list, refusing any change that could make an
 * existing product invalid: no type change, no removed enum/list value, no attribute that becomes
 * required (a new attribute must be optional). Unit, label, filterable and facet may change freely.
 */
export function mergeDefinitions(
  current: readonly AttributeDefinition[],
  changes: readonly AttributeDefinition[],
  field: string,
): AttributeDefinition[] {
  const merged = [...current];
  changes.forEach((change, index) => {
    const at = `${field}.${index}`;
    const position = merged.findIndex((existing) => existing.name === change.name);
    const existing = merged[position];
    if (!existing) {
      if (change.required) {
        throw AppError.conflict(
          'CATEGORY.REQUIRED_ATTRIBUTE_ADDED',
          `New attribute "${change.name}" must be optional: existing products do not carry it.`,
          { field: `${at}.required` },
        );
      }
      merged.push(change);
      return;
    }
    if (existing.type !== change.type) {
      throw AppError.conflict(
        'CATEGORY.ATTRIBUTE_TYPE_CHANGED',
        `Attribute "${change.name}" is ${existing.type}; its type cannot change while products use it.`,
        { field: `${at}.type` },
      );
    }
    if (change.required && !existing.required) {
      throw AppError.conflict(
        'CATEGORY.ATTRIBUTE_MADE_REQUIRED',
        `Attribute "${change.name}" cannot become required: existing products may lack it.`,
        { field: `${at}.required` },
      );
    }
    if (existing.values) {
      const kept = new Set(change.values ?? []);
      const removed = existing.values.filter((value) => !kept.has(value));
      if (change.values === undefined && existing.type === 'list') {
        // a list that drops its allowed-values restriction only widens what is valid
      } else if (removed.length > 0) {
        throw AppError.conflict(
          'CATEGORY.ATTRIBUTE_VALUE_REMOVED',
          `Attribute "${change.name}" cannot drop values products may use: ${removed.join(', ')}.`,
          { field: `${at}.values` },
        );
      }
    }
    merged[position] = change;
  });
  return merged;
}
