import Type from 'typebox';
import { DecimalString } from '@polyshop/http';

const FreeObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });
const Timestamp = Type.String({ format: 'date-time' });
const Status = Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('archived')]);

export const AttributeDefinitionSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$', examples: ['storage'] }),
    type: Type.Union([
      Type.Literal('string'),
      Type.Literal('number'),
      Type.Literal('boolean'),
      Type.Literal('enum'),
      Type.Literal('list'),
    ]),
    label: Type.Optional(Type.String({ maxLength: 120 })),
    unit: Type.Optional(Type.String({ maxLength: 20 })),
    values: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 1000,
        description: 'Allowed values: required for enum, optional for list.',
      }),
    ),
    required: Type.Optional(Type.Boolean({ description: 'Default false.' })),
    filterable: Type.Optional(Type.Boolean({ description: 'Usable as attr.<name> filter. Default false.' })),
    facet: Type.Optional(
      Type.Boolean({ description: 'Counted in listing facets; implies filterable. Default false.' }),
    ),
  },
  { additionalProperties: false },
);

const Definitions = Type.Array(AttributeDefinitionSchema, { maxItems: 200 });

export const CategoryBody = Type.Object(
  {
    slug: Type.String({ minLength: 1, maxLength: 64, examples: ['smartphones'] }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    attributes: Type.Optional(Definitions),
    variantAttributes: Type.Optional(Definitions),
    allowFreeAttributes: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CategoryPatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    attributes: Type.Optional(
      Type.Array(AttributeDefinitionSchema, {
        maxItems: 200,
        description: 'Merged by name: new names are added, known names replaced (compatible changes only).',
      }),
    ),
    variantAttributes: Type.Optional(Type.Array(AttributeDefinitionSchema, { maxItems: 200 })),
    allowFreeAttributes: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const DefinitionOut = Type.Object({
  name: Type.String(),
  type: Type.String(),
  label: Type.Optional(Type.String()),
  unit: Type.Optional(Type.String()),
  values: Type.Optional(Type.Array(Type.String())),
  required: Type.Boolean(),
  filterable: Type.Boolean(),
  facet: Type.Boolean(),
});

export const CategorySchema = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  description: Type.String(),
  attributes: Type.Array(DefinitionOut),
  variantAttributes: Type.Array(DefinitionOut),
  allowFreeAttributes: Type.Boolean(),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }) });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const VariantBody = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64, examples: ['IP15P-128-NT'] }),
    attributes: Type.Optional(FreeObject("Values of the category's variant attributes.")),
    price: Type.Optional(
      DecimalString({ description: 'Decimal string in the product currency; defaults to basePrice.' }),
    ),
    weight: Type.Optional(Type.String({ maxLength: 20, examples: ['187g'] })),
  },
  { additionalProperties: false },
);

const productFields = {
  name: Type.String({ minLength: 1, maxLength: 200, examples: ['iPhone 15 Pro'] }),
  slug: Type.String({ minLength: 1, maxLength: 160, description: 'Defaults to the name, slugified.' }),
  category: Type.String({ minLength: 1, maxLength: 64, examples: ['smartphones'] }),
  brand: Type.String({ minLength: 1, maxLength: 120 }),
  description: Type.String({ maxLength: 20000 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', examples: ['USD'] }),
  basePrice: DecimalString({ description: 'Decimal string, e.g. "999.00".' }),
  attributes: FreeObject("Values of the category's attributes, checked against its definitions."),
  variants: Type.Array(VariantBody, { minItems: 1, maxItems: 200 }),
  specifications: FreeObject(
    'Nested technical specifications (any JSON but null), filterable as spec.<dotted.path>.',
  ),
  status: Status,
};

export const ProductBody = Type.Object(
  {
    ...productFields,
    slug: Type.Optional(productFields.slug),
    brand: Type.Optional(productFields.brand),
    description: Type.Optional(productFields.description),
    attributes: Type.Optional(productFields.attributes),
    specifications: Type.Optional(productFields.specifications),
    status: Type.Optional(
      Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('archived')], {
        description: 'Default draft.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ProductPatchBody = Type.Object(
  {
    name: Type.Optional(productFields.name),
    slug: Type.Optional(productFields.slug),
    category: Type.Optional(productFields.category),
    brand: Type.Optional(Type.Union([productFields.brand, Type.Null()])),
    description: Type.Optional(productFields.description),
    currency: Type.Optional(productFields.currency),
    basePrice: Type.Optional(productFields.basePrice),
    attributes: Type.Optional(FreeObject('JSON merge patch: null removes an attribute.')),
    variants: Type.Optional(productFields.variants),
    specifications: Type.Optional(FreeObject('JSON merge patch: null removes a key.')),
    status: Type.Optional(productFields.status),
  },
  { additionalProperties: false, minProperties: 1 },
);

const VariantOut = Type.Object({
  sku: Type.String(),
  attributes: FreeObject('Variant attributes.'),
  price: Type.String(),
  weight: Type.Optional(Type.String()),
});

export const ProductSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  slug: Type.String(),
  category: Type.String(),
  brand: Type.Optional(Type.String()),
  description: Type.String(),
  currency: Type.String(),
  basePrice: Type.String(),
  attributes: FreeObject('Attributes.'),
  variants: Type.Array(VariantOut),
  specifications: FreeObject('Specifications.'),
  status: Status,
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const FacetValue = Type.Object({
  value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  count: Type.Integer(),
});

export const ProductListingSchema = Type.Object({
  items: Type.Array(ProductSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  facets: Type.Record(Type.String(), Type.Array(FacetValue), {
    description: 'Value counts per facet attribute of the category (empty without ?category=).',
  }),
});

/**
 * The documented listing parameters. `attr.<name>` (category attributes, comma-separated values,
 * any of) and `spec.<dotted.path>` (exact) are accepted too: they are validated against the
 * category by the service, not here.
 */
export const ListingQuery = Type.Object(
  {
    category: Type.Optional(
      Type.String({ description: 'Category slug; needed by attr.* filters and facets.' }),
    ),
    brand: Type.Optional(Type.String({ description: 'One brand or a comma-separated list.' })),
    status: Type.Optional(
      Type.String({ description: 'active (default), draft, archived, a comma-separated list, or any.' }),
    ),
    currency: Type.Optional(Type.String({ description: 'ISO 4217 code.' })),
    minPrice: Type.Optional(
      Type.String({
        description: 'Lowest price: a product matches when any variant price is within [minPrice, maxPrice].',
      }),
    ),
    maxPrice: Type.Optional(Type.String({ description: 'Highest price (inclusive).' })),
    sort: Type.Optional(
      Type.String({
        description:
          'price | -price (lowest variant price) | name | -name | createdAt | -createdAt (default).',
      }),
    ),
    limit: Type.Optional(Type.String({ description: '1-100, default 20.' })),
    cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page.' })),
  },
  { additionalProperties: true },
);

export const VariantLookupBody = Type.Object(
  { skus: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500 }) },
  { additionalProperties: false },
);

export const VariantSnapshotSchema = Type.Object({
  sku: Type.String(),
  productId: Type.String(),
  productName: Type.String(),
  variantAttributes: FreeObject("The variant's attributes."),
  price: Type.String(),
  currency: Type.String(),
  status: Status,
});
