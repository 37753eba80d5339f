import type { NewCategoryInput } from '../domain/category.ts';

export const STORAGES = ['64GB', '128GB', '256GB', '512GB', '1TB'];
export const PHONE_COLORS = [
  'Black',
  'White',
  'Blue Titanium',
  'Natural Titanium',
  'Midnight Green',
  'Coral',
  'Graphite',
];
export const PHONE_FEATURES = [
  'Wireless charging',
  'Face unlock',
  'Fingerprint sensor',
  'eSIM',
  'Stylus',
  'Satellite SOS',
  'Action Button',
];
export const LAPTOP_RAM = ['8GB', '16GB', '32GB', '64GB'];
export const LAPTOP_CPUS = [
  'Intel Core i5',
  'Intel Core i7',
  'Intel Core Ultra 7',
  'AMD Ryzen 5',
  'AMD Ryzen 7',
  'Apple M3',
  'Apple M4',
];
export const CLOTHING_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
export const CLOTHING_COLORS = ['Black', 'White', 'Navy', 'Grey', 'Olive', 'Burgundy', 'Sand', 'Sky Blue'];
export const MATERIALS = ['cotton', 'wool', 'linen', 'polyester', 'denim', 'cashmere'];
export const BOOK_FORMATS = ['hardcover', 'paperback', 'ebook', 'audiobook'];
export const BOOK_GENRES = [
  'fiction',
  'mystery',
  'science-fiction',
  'fantasy',
  'biography',
  'history',
  'science',
  'cooking',
  'children',
];
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'ja'];
export const DIETS = ['vegan', 'vegetarian', 'gluten-free', 'lactose-free', 'organic', 'keto'];
export const ORIGINS = ['Italy', 'France', 'Spain', 'Germany', 'Japan', 'Mexico', 'India', 'Colombia'];

/**
 * Five demo categories with genuinely different attribute sets (what the seed document says breaks a
 * fixed relational schema). `food` allows free attributes: suppliers add their own.
 */
export const DEMO_CATEGORIES: NewCategoryInput[] = [
  {
    slug: 'smartphones',
    name: 'Smartphones',
    attributes: [
      { name: 'storage', type: 'list', values: STORAGES, required: true, facet: true },
      { name: 'colors', type: 'list', required: true, facet: true },
      { name: 'features', type: 'list', values: PHONE_FEATURES, filterable: true },
      { name: 'os', type: 'enum', values: ['iOS', 'Android'], required: true, facet: true },
      { name: 'screenSize', type: 'number', unit: 'in', filterable: true },
      { name: 'fiveG', type: 'boolean', label: '5G', facet: true },
    ],
    variantAttributes: [
      { name: 'storage', type: 'enum', values: STORAGES, required: true },
      { name: 'color', type: 'string', required: true },
    ],
  },
  {
    slug: 'laptops',
    name: 'Laptops',
    attributes: [
      { name: 'cpu', type: 'enum', values: LAPTOP_CPUS, required: true, facet: true },
      { name: 'ram', type: 'list', values: LAPTOP_RAM, required: true, facet: true },
      { name: 'screenSize', type: 'number', unit: 'in', facet: true },
      { name: 'os', type: 'enum', values: ['Windows', 'macOS', 'Linux', 'ChromeOS'], facet: true },
      { name: 'touchscreen', type: 'boolean', filterable: true },
      { name: 'colors', type: 'list', filterable: true },
    ],
    variantAttributes: [
      { name: 'ram', type: 'enum', values: LAPTOP_RAM, required: true },
      { name: 'storage', type: 'enum', values: STORAGES, required: true },
    ],
  },
  {
    slug: 'clothing',
    name: 'Clothing',
    attributes: [
      { name: 'sizes', type: 'list', values: CLOTHING_SIZES, required: true, facet: true },
      { name: 'colors', type: 'list', values: CLOTHING_COLORS, required: true, facet: true },
      { name: 'material', type: 'enum', values: MATERIALS, required: true, facet: true },
      { name: 'gender', type: 'enum', values: ['women', 'men', 'unisex'], facet: true },
      { name: 'fit', type: 'enum', values: ['slim', 'regular', 'relaxed'], filterable: true },
    ],
    variantAttributes: [
      { name: 'size', type: 'enum', values: CLOTHING_SIZES, required: true },
      { name: 'color', type: 'enum', values: CLOTHING_COLORS, required: true },
    ],
  },
  {
    slug: 'books',
    name: 'Books',
    attributes: [
      { name: 'author', type: 'string', required: true, filterable: true },
      { name: 'formats', type: 'list', values: BOOK_FORMATS, required: true, facet: true },
      { name: 'genre', type: 'enum', values: BOOK_GENRES, required: true, facet: true },
      { name: 'language', type: 'enum', values: LANGUAGES, facet: true },
      { name: 'pages', type: 'number', filterable: true },
      { name: 'publicationYear', type: 'number', filterable: true },
    ],
    variantAttributes: [{ name: 'format', type: 'enum', values: BOOK_FORMATS, required: true }],
  },
  {
    slug: 'food',
    name: 'Food',
    allowFreeAttributes: true,
    attributes: [
      { name: 'dietary', type: 'list', values: DIETS, facet: true },
      { name: 'origin', type: 'enum', values: ORIGINS, facet: true },
      { name: 'flavor', type: 'string', filterable: true },
      { name: 'organic', type: 'boolean', facet: true },
      { name: 'shelfLifeDays', type: 'number', unit: 'd' },
    ],
    variantAttributes: [{ name: 'packSize', type: 'string', required: true }],
  },
];
