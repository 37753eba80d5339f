import type { ProductInput, ProductStatus, VariantInput } from '../domain/product.ts';
import {
  BOOK_FORMATS,
  BOOK_GENRES,
  CLOTHING_COLORS,
  CLOTHING_SIZES,
  DIETS,
  LAPTOP_CPUS,
  LAPTOP_RAM,
  MATERIALS,
  ORIGINS,
  PHONE_COLORS,
  PHONE_FEATURES,
  STORAGES,
} from './demo-categories.ts';
import { centsToDecimal, Random } from './random.ts';

type Generator = (random: Random, code: string) => Omit<ProductInput, 'category' | 'currency' | 'status'>;

const CATEGORY_WEIGHTS = [
  ['smartphones', 15],
  ['laptops', 10],
  ['clothing', 35],
  ['books', 25],
  ['food', 15],
] as const;

/**
 * Product `index` of the demo catalogue seeded with `seed`: same inputs, same product, on any
 * machine and whatever the batch size. Slugs and SKUs carry the index, so they are unique.
 */
export function generateProduct(seed: number, index: number): ProductInput {
  const random = Random.forItem(seed, index);
  const category = random.weighted(CATEGORY_WEIGHTS);
  const code = index.toString(36).toUpperCase().padStart(5, '0');
  const product = GENERATORS[category](random, code);
  const status: ProductStatus = random.weighted([
    ['active', 90],
    ['draft', 7],
    ['archived', 3],
  ] as const);
  return { ...product, slug: `${product.slug}-${code.toLowerCase()}`, category, currency: 'USD', status };
}

/** Products `from` … `from + count - 1` of the catalogue seeded with `seed`. */
export function generateProducts(seed: number, count: number, from = 0): ProductInput[] {
  return Array.from({ length: count }, (_, offset) => generateProduct(seed, from + offset));
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A price in cents ending in .99 or .00, between min and max whole units. */
function price(random: Random, min: number, max: number): number {
  return random.int(min, max) * 100 + (random.chance(0.7) ? 99 : 0);
}

const PHONE_BRANDS = ['Apple', 'Samsung', 'Google', 'OnePlus', 'Xiaomi', 'Motorola', 'Nothing'];
const SERIES = ['Nova', 'Edge', 'Pixel', 'Galaxy', 'Aero', 'Zen', 'Pulse', 'Orbit'];

const smartphones: Generator = (random, code) => {
  const brand = random.pick(PHONE_BRANDS);
  const name = `${brand} ${random.pick(SERIES)} ${random.int(5, 16)}${random.pick(['', ' Pro', ' Ultra', ' Lite', ' Max'])}`;
  const storage = STORAGES.slice(random.int(0, 2)).slice(0, random.int(1, 3));
  const colors = random.sample(PHONE_COLORS, random.int(1, 3));
  const base = price(random, 199, 1199);
  const variants: VariantInput[] = storage.flatMap((size, step) =>
    colors.map((color) => ({
      sku: `SP-${code}-${size}-${color.replace(/[^A-Z]/g, '')}`,
      attributes: { storage: size, color },
      price: centsToDecimal(base + step * 10000),
      weight: `${random.int(150, 240)}g`,
    })),
  );
  const screenSize = random.pick([5.4, 6.1, 6.3, 6.5, 6.7, 6.9]);
  return {
    name,
    slug: slug(name),
    brand,
    description: `${name}: ${screenSize}" display, up to ${storage.at(-1)} of storage.`,
    basePrice: centsToDecimal(base),
    attributes: {
      storage,
      colors,
      features: random.sample(PHONE_FEATURES, random.int(1, 4)),
      os: brand === 'Apple' ? 'iOS' : 'Android',
      screenSize,
      fiveG: random.chance(0.8),
    },
    variants,
    specifications: {
      display: {
        size: `${screenSize}"`,
        resolution: random.pick(['2556x1179', '2796x1290', '2400x1080', '3120x1440']),
        type: random.pick(['OLED', 'LCD', 'Super Retina XDR']),
      },
      camera: {
        main: random.pick(['12MP', '48MP', '50MP', '108MP', '200MP']),
        ultra: random.pick(['8MP', '12MP', '48MP']),
      },
      connectivity: random.sample(
        ['5G', 'WiFi 6E', 'WiFi 7', 'Bluetooth 5.3', 'NFC', 'UWB'],
        random.int(2, 5),
      ),
      battery: { capacityMah: random.int(28, 55) * 100 },
    },
  };
};

const LAPTOP_BRANDS = ['Lenovo', 'Dell', 'HP', 'Apple', 'Asus', 'Acer', 'Framework'];

const laptops: Generator = (random, code) => {
  const brand = random.pick(LAPTOP_BRANDS);
  const name = `${brand} ${random.pick(['ThinkBook', 'Inspire', 'Envy', 'Air', 'Zenith', 'Swift', 'Studio'])} ${random.int(13, 17)}`;
  const ram = LAPTOP_RAM.slice(random.int(0, 2)).slice(0, random.int(1, 2));
  const storage = STORAGES.slice(2, 5).slice(0, random.int(1, 2));
  const base = price(random, 499, 2999);
  const variants: VariantInput[] = ram.flatMap((memory, i) =>
    storage.map((size, j) => ({
      sku: `LT-${code}-${memory}-${size}`,
      attributes: { ram: memory, storage: size },
      price: centsToDecimal(base + i * 20000 + j * 15000),
      weight: `${random.int(11, 24) / 10}kg`,
    })),
  );
  const screenSize = random.pick([13.3, 14, 15.6, 16, 17.3]);
  return {
    name,
    slug: slug(name),
    brand,
    description: `${name} with ${screenSize}" screen.`,
    basePrice: centsToDecimal(base),
    attributes: {
      cpu: brand === 'Apple' ? random.pick(['Apple M3', 'Apple M4']) : random.pick(LAPTOP_CPUS.slice(0, 5)),
      ram,
      screenSize,
      os:
        brand === 'Apple'
          ? 'macOS'
          : random.weighted([
              ['Windows', 8],
              ['Linux', 1],
              ['ChromeOS', 1],
            ] as const),
      touchscreen: random.chance(0.3),
      colors: random.sample(['Silver', 'Space Grey', 'Black', 'Blue'], random.int(1, 2)),
    },
    variants,
    specifications: {
      display: {
        size: `${screenSize}"`,
        panel: random.pick(['IPS', 'OLED', 'Mini-LED']),
        refreshHz: random.pick([60, 90, 120, 144]),
      },
      cpu: { cores: random.pick([8, 10, 12, 14, 16]) },
      ports: random.sample(
        ['USB-C', 'USB-A', 'HDMI', 'Thunderbolt 4', 'SD card', 'Ethernet'],
        random.int(2, 5),
      ),
      battery: { hours: random.int(6, 22) },
    },
  };
};

const CLOTHING_KINDS = [
  'T-Shirt',
  'Hoodie',
  'Jeans',
  'Jacket',
  'Dress',
  'Sweater',
  'Shirt',
  'Chinos',
  'Coat',
];
const CLOTHING_BRANDS = ['Northwind', 'Urban Loom', 'Fjallraven', 'Patagonia', 'Uniqlo', "Levi's", 'Arket'];

const clothing: Generator = (random, code) => {
  const brand = random.pick(CLOTHING_BRANDS);
  const material = random.pick(MATERIALS);
  const name = `${brand} ${material[0]!.toUpperCase()}${material.slice(1)} ${random.pick(CLOTHING_KINDS)}`;
  const sizes = random.sample(CLOTHING_SIZES, random.int(2, 5));
  const colors = random.sample(CLOTHING_COLORS, random.int(1, 3));
  const base = price(random, 15, 249);
  const variants: VariantInput[] = sizes.flatMap((size) =>
    colors.map((color) => ({
      sku: `CL-${code}-${size}-${color
        .replace(/[^A-Za-z]/g, '')
        .slice(0, 4)
        .toUpperCase()}`,
      attributes: { size, color },
      price: centsToDecimal(size === 'XXL' ? base + 500 : base),
      weight: `${random.int(150, 1200)}g`,
    })),
  );
  return {
    name,
    slug: slug(name),
    brand,
    description: `A ${material} piece from ${brand}.`,
    basePrice: centsToDecimal(base),
    attributes: {
      sizes,
      colors,
      material,
      gender: random.pick(['women', 'men', 'unisex']),
      fit: random.pick(['slim', 'regular', 'relaxed']),
    },
    variants,
    specifications: {
      care: {
        washing: random.pick(['30°C', '40°C', 'hand wash', 'dry clean']),
        tumbleDry: random.chance(0.4),
      },
      origin: random.pick(ORIGINS),
    },
  };
};

const FIRST = ['Ada', 'Grace', 'Alan', 'Ursula', 'Haruki', 'Chimamanda', 'Italo', 'Toni', 'Jorge', 'Octavia'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Le Guin',
  'Murakami',
  'Adichie',
  'Calvino',
  'Morrison',
  'Borges',
  'Butler',
];
const WORDS = [
  'River',
  'Silent',
  'Empire',
  'Garden',
  'Night',
  'Machine',
  'Winter',
  'Salt',
  'Glass',
  'Atlas',
  'Orchard',
  'Signal',
];

const books: Generator = (random, code) => {
  const title = `The ${random.pick(WORDS)} of ${random.pick(WORDS)}`;
  const author = `${random.pick(FIRST)} ${random.pick(LAST)}`;
  const formats = random.sample(BOOK_FORMATS, random.int(1, 3));
  const base = price(random, 5, 45);
  const variants: VariantInput[] = formats.map((format) => ({
    sku: `BK-${code}-${format.slice(0, 2).toUpperCase()}`,
    attributes: { format },
    price: centsToDecimal(
      format === 'hardcover' ? base + 800 : format === 'ebook' ? Math.max(base - 400, 99) : base,
    ),
    ...(format === 'ebook' || format === 'audiobook' ? {} : { weight: `${random.int(180, 900)}g` }),
  }));
  return {
    name: title,
    slug: slug(title),
    brand: random.pick(['Penguin', 'Vintage', 'Tor', 'Faber', 'Orbit', 'Gallimard']),
    description: `${title}, by ${author}.`,
    basePrice: centsToDecimal(base),
    attributes: {
      author,
      formats,
      genre: random.pick(BOOK_GENRES),
      language: random.weighted([
        ['en', 6],
        ['de', 1],
        ['fr', 1],
        ['es', 1],
        ['it', 1],
        ['ja', 1],
      ] as const),
      pages: random.int(90, 900),
      publicationYear: random.int(1950, 2026),
    },
    variants,
    specifications: {
      isbn13: `978${String(random.int(0, 999_999_999)).padStart(9, '0')}${random.int(0, 9)}`,
      dimensions: { heightMm: random.int(170, 240), widthMm: random.int(110, 170) },
    },
  };
};

const FOODS = [
  'Olive Oil',
  'Espresso Beans',
  'Dark Chocolate',
  'Pasta',
  'Green Tea',
  'Granola',
  'Hot Sauce',
  'Honey',
  'Rice',
];
const FLAVORS = ['classic', 'smoky', 'sweet', 'spicy', 'citrus', 'herbal'];

const food: Generator = (random, code) => {
  const kind = random.pick(FOODS);
  const origin = random.pick(ORIGINS);
  const name = `${origin} ${kind}`;
  const packs = ['250g', '500g', '1kg'].slice(0, random.int(1, 3));
  const base = price(random, 3, 39);
  const variants: VariantInput[] = packs.map((pack, step) => ({
    sku: `FD-${code}-${pack.toUpperCase()}`,
    attributes: { packSize: pack },
    price: centsToDecimal(base * (step + 1) - step * 100),
    weight: pack,
  }));
  const attributes: Record<string, unknown> = {
    dietary: random.sample(DIETS, random.int(0, 3)),
    origin,
    flavor: random.pick(FLAVORS),
    organic: random.chance(0.35),
    shelfLifeDays: random.int(30, 720),
  };
  if (random.chance(0.3)) attributes.harvestYear = random.int(2022, 2026); // a supplier's own attribute
  return {
    name,
    slug: slug(name),
    brand: random.pick(['Terra', 'Mercato', 'Sunfield', 'Casa Verde', 'Kikkoman']),
    description: `${kind} from ${origin}.`,
    basePrice: centsToDecimal(base),
    attributes,
    variants,
    specifications: {
      nutrition: { energyKcal: random.int(0, 900), proteinG: random.int(0, 30), sugarG: random.int(0, 60) },
      storage: random.pick(['Keep dry', 'Keep refrigerated after opening', 'Store below 25°C']),
    },
  };
};

const GENERATORS: Record<(typeof CATEGORY_WEIGHTS)[number][0], Generator> = {
  smartphones,
  laptops,
  clothing,
  books,
  food,
};
