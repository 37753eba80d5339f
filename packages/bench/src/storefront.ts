import { randomBytes, randomUUID } from 'node:crypto';
import { jsonClient, type JsonResponse } from './http-client.ts';
import type { BenchPlatform } from './http-session.ts';

/** A sandbox card the payment service authorizes. */
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' };

const ADDRESS = {
  name: 'Bench Customer',
  line1: '1 Main St',
  city: 'Springfield',
  postalCode: '12345',
  country: 'US',
  region: 'US',
};

/** A final or pending order as `POST /orders` and `GET /orders/:id` answer it. */
export interface StorefrontOrder {
  id: string;
  status: string;
}

/** A signed-in customer of the bench platform. */
export interface Customer {
  token: string;
}

async function expect(answer: Promise<JsonResponse>, what: string) {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * One active product per SKU, priced `price`, with `quantity` units in stock, created as an operator
 * would: a category, the products, then the stock (admin token).
 */
export async function seedProducts(
  bench: BenchPlatform,
  skus: readonly string[],
  quantity: number,
  price = '9.99',
): Promise<void> {
  const category = `bench-${randomBytes(4).toString('hex')}`;
  await expect(bench.call('POST', '/products/categories', { slug: category, name: category }), 'category');
  for (const sku of skus) {
    await expect(
      bench.call('POST', '/products', {
        name: `Bench ${sku}`,
        category,
        currency: 'USD',
        basePrice: price,
        status: 'active',
        variants: [{ sku, price }],
      }),
      `product ${sku}`,
    );
    await setStock(bench, sku, quantity);
  }
}

export async function setStock(bench: BenchPlatform, sku: string, quantity: number): Promise<void> {
  await expect(bench.call('PUT', `/inventory/${sku}`, { quantity, reason: 'benchmark' }), `stock ${sku}`);
}

/** The body of `POST /orders` for one unit of each SKU, shipped to the US and paid by sandbox card. */
export function checkoutRequest(skus: readonly string[]) {
  return {
    items: skus.map((sku) => ({ sku, quantity: 1 })),
    shippingAddress: ADDRESS,
    payment: { method: 'card', card: CARD },
  };
}

/** What customers do, over kept-alive HTTP connections of their own (`close()` when done). */
export class Storefront {
  readonly #client: ReturnType<typeof jsonClient>;

  constructor(bench: BenchPlatform) {
    this.#client = jsonClient(bench.base);
  }

  #send(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> },
  ) {
    return this.#client.send(method, path, options.body, {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    });
  }

  /** Registers `count` customers and signs each in, as the storefront's sign-up would. */
  async signUp(count: number): Promise<Customer[]> {
    const customers: Customer[] = [];
    for (let i = 0; i < count; i++) {
      const email = `shopper-${randomBytes(6).toString('hex')}@polyshop.test`;
      const password = `Shopper-${randomBytes(8).toString('hex')}!`;
      await expect(
        this.#send('POST', '/users/register', { body: { email, password, name: `Shopper ${i}` } }),
        'register',
      );
      const login = (await expect(
        this.#send('POST', '/users/login', { body: { email, password } }),
        'login',
      )) as {
        accessToken: string;
      };
      customers.push({ token: login.accessToken });
    }
    return customers;
  }

  /**
   * `POST /orders`: one unit of each SKU, paid by sandbox card, with a fresh Idempotency-Key. Resolves
   * to the order as answered (final on 201, `pending` on 202), or undefined when it was refused.
   */
  async checkout(customer: Customer, skus: readonly string[]): Promise<StorefrontOrder | undefined> {
    const { status, body } = await this.#send('POST', '/orders', {
      token: customer.token,
      headers: { 'idempotency-key': randomUUID() },
      body: checkoutRequest(skus),
    });
    return status === 201 || status === 202 ? (body as StorefrontOrder) : undefined;
  }

  /** The order once its saga finished (polling `GET /orders/:id` while it is `pending`). */
  async finalOrder(customer: Customer, order: StorefrontOrder, timeoutMs = 60_000): Promise<StorefrontOrder> {
    const deadline = Date.now() + timeoutMs;
    let current = order;
    while (current.status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = (await expect(
        this.#send('GET', `/orders/${order.id}`, { token: customer.token }),
        'order',
      )) as StorefrontOrder;
    }
    return current;
  }

  close(): void {
    this.#client.close();
  }
}
