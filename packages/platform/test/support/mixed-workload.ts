import { randomBytes, randomUUID } from 'node:crypto';
import { TEST_PASSWORD, type InjectTarget } from '@polyshop/platform/testing';
import { eventually } from '@polyshop/testing';
import { checkoutBody, seedSkus } from '../../../services/orders/test/fixtures/checkout-platform.ts';
import {
  requestsAs,
  sleep,
  startLoad,
  type Answer,
  type Ledger,
  type LiveMove,
} from '../../../services/products/test/integration/live-move-harness.ts';

/** The shop's SKUs with their price and first stock: two hot ones with little, three with plenty. */
export const SHOP: Readonly<Record<string, { price: string; quantity: number }>> = {
  'HOT-1': { price: '12.50', quantity: 12 },
  'HOT-2': { price: '7.25', quantity: 8 },
  'COLD-1': { price: '19.99', quantity: 100_000 },
  'COLD-2': { price: '3.10', quantity: 100_000 },
  'COLD-3': { price: '42.00', quantity: 100_000 },
};
export const SHOP_SKUS = Object.keys(SHOP);
const HOT_SKUS = SHOP_SKUS.filter((sku) => sku.startsWith('HOT'));

/** How many clients of each kind run at once: a few, so that each move stays short in CI. */
export const CLIENTS = { shoppers: 3, editors: 1, searchers: 1, senders: 1, stockKeepers: 1 } as const;

/** What a client waits between two requests, so that the moves get their share of a busy machine. */
const PACE_MS = 100;
/** Units an acknowledged restock adds to a hot SKU (every fifth look at the stock). */
const RESTOCK = 3;
/** Why an order refused for stock failed: an expected outcome (201 `failed`), never a 5xx. */
export const OUT_OF_STOCK = 'INVENTORY.INSUFFICIENT_STOCK';

/** A customer who registered during the load, with their last access token. */
export interface Shopper {
  userId: string;
  email: string;
  token: string;
}

/** An order as `POST /orders` answered it (`pending` until `settle` reads its end). */
export interface PlacedOrder {
  id: string;
  orderNumber: string;
  status: string;
  reasonCode?: string;
  total: string;
  items: { sku: string; quantity: number }[];
  /** The address and token of the shopper who placed it (to email it, to read it back). */
  email: string;
  token: string;
}

export interface MixedWorkloadOptions {
  /**
   * Whether the stock keeper restocks (default true). A restock carries no Idempotency-Key: when a
   * replica dies under it, its outcome is unknown, so a test that kills replicas turns it off.
   */
  restocks?: boolean;
}

/** A running load: `stop` ends every client and resolves once each answered its last request. */
export interface RunningLoad {
  stop(): Promise<void>;
}

/**
 * The whole platform's live traffic and what it was told. Shoppers register, log in, check out carts
 * of one to three SKUs (two hot SKUs run out: those orders fail for stock), search and change their
 * notification preferences; an admin edits the catalogue (the products live-move clients: creates,
 * If-Match patches and archives), another sends notifications directly and a stock keeper restocks
 * the hot SKUs while it checks every SKU for oversell. Each acknowledged write is recorded here, each
 * 5xx and unexpected answer in `failures`. `start` may be called again after a `stop`: the records
 * go on.
 */
export class MixedWorkload {
  /** 5xx answers and answers no client expects, as `<what>: <status> <body>`. */
  readonly failures: string[] = [];
  readonly shoppers: Shopper[] = [];
  /** Every order answered 201 or 202, by id. */
  readonly orders = new Map<string, PlacedOrder>();
  /** Per shopper, the phone number of their last acknowledged preferences. */
  readonly phones = new Map<string, string>();
  /** The addresses of acknowledged direct sends (each a welcome email to a fresh address). */
  readonly directSends: string[] = [];
  /** Per SKU, the units received: the first stock and every acknowledged restock. */
  readonly received = new Map(SHOP_SKUS.map((sku) => [sku, SHOP[sku]!.quantity]));
  readonly counts = { searches: 0, logins: 0, preferenceWrites: 0, restocks: 0, stockLooks: 0 };
  readonly #platform: InjectTarget;
  readonly #admin: LiveMove['request'];
  readonly #options: MixedWorkloadOptions;
  #catalogue: Ledger | undefined;
  #clients = 0;

  private constructor(platform: InjectTarget, adminToken: string, options: MixedWorkloadOptions) {
    this.#platform = platform;
    this.#admin = requestsAs(platform, adminToken);
    this.#options = options;
  }

  /**
   * The shop (one product with a variant per SKU, stocked as `SHOP` says) and its workload, on a
   * platform in this process or over real HTTP (`httpInjectTarget`).
   */
  static async open(
    platform: InjectTarget,
    adminToken: string,
    options: MixedWorkloadOptions = {},
  ): Promise<MixedWorkload> {
    await seedSkus(
      platform,
      SHOP_SKUS.map((sku) => ({ sku, ...SHOP[sku]! })),
      { name: 'Mixed workload shop' },
    );
    return new MixedWorkload(platform, adminToken, options);
  }

  /** The admin's catalogue edits (products live-move ledger), once a load started. */
  get catalogue(): Ledger {
    if (!this.#catalogue) throw new Error('no load has started');
    return this.#catalogue;
  }

  /** Orders that ended confirmed. */
  confirmed(): PlacedOrder[] {
    return [...this.orders.values()].filter((order) => order.status === 'confirmed');
  }

  /** What the clients did so far, for the test's diagnostics. */
  summary(): Record<string, number> {
    const orders = [...this.orders.values()];
    return {
      shoppers: this.shoppers.length,
      ordersConfirmed: orders.filter((order) => order.status === 'confirmed').length,
      ordersRefusedForStock: orders.filter((order) => order.reasonCode === OUT_OF_STOCK).length,
      productWrites: [...(this.#catalogue?.changes.values() ?? [])].reduce((sum, n) => sum + n, 0),
      products: this.#catalogue?.last.size ?? 0,
      preferenceWrites: this.counts.preferenceWrites,
      restocks: this.counts.restocks,
      directSends: this.directSends.length,
      searches: this.counts.searches,
      logins: this.counts.logins,
      stockLooks: this.counts.stockLooks,
    };
  }

  /** Starts every client (`CLIENTS`); new shoppers register. */
  async start(): Promise<RunningLoad> {
    const catalogue = await startLoad({ request: this.#admin }, CLIENTS.editors, this.#catalogue);
    this.#catalogue = catalogue.ledger;
    let stopped = false;
    const until = () => stopped;
    const clients = [
      ...Array.from({ length: CLIENTS.shoppers }, () => this.#shopper(++this.#clients, until)),
      ...Array.from({ length: CLIENTS.searchers }, () => this.#repeat(until, (step) => this.#search(step))),
      ...Array.from({ length: CLIENTS.senders }, () => this.#repeat(until, () => this.#directSend(), 1000)),
      ...Array.from({ length: CLIENTS.stockKeepers }, () =>
        this.#repeat(until, (step) => this.#keepStock(step), 400),
      ),
    ];
    return {
      async stop() {
        stopped = true;
        await Promise.all([...clients, catalogue.stop()]);
      },
    };
  }

  /** Waits until every order answered `pending` has ended (the saga finished), and records its end. */
  async settle(): Promise<void> {
    for (const order of this.orders.values()) {
      if (order.status !== 'pending') continue;
      const ended = await eventually(
        async () => {
          const answer = await this.#request('GET', `/orders/${order.id}`, order.token);
          if (!this.#expect(`order ${order.id}`, answer, [200])) return false;
          const read = answer.json<PlacedOrder>();
          return read.status === 'pending' ? undefined : read;
        },
        { timeoutMs: 30_000, message: `order ${order.id} to end` },
      );
      if (ended) Object.assign(order, { status: ended.status, reasonCode: ended.reasonCode });
    }
  }

  #request(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    token?: string,
    body?: object,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return this.#platform.app.inject({
      method,
      url,
      ...(body ? { payload: body } : {}),
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  }

  /** Whether `answer` has one of the `expected` statuses; else it is recorded as a failure. */
  #expect(what: string, answer: Answer, expected: number[]): boolean {
    if (expected.includes(answer.statusCode)) return true;
    this.failures.push(`${what}: ${answer.statusCode} ${answer.body.slice(0, 300)}`);
    return false;
  }

  async #repeat(until: () => boolean, step: (n: number) => Promise<void>, paceMs = PACE_MS): Promise<void> {
    for (let n = 0; !until(); n++) {
      await step(n);
      await sleep(paceMs);
    }
  }

  /** One shopper: registers and logs in, then checks out, searches, sets preferences or logs in again. */
  async #shopper(seed: number, until: () => boolean): Promise<void> {
    const shopper = await this.#register(seed);
    if (!shopper) return;
    await this.#repeat(until, async (step) => {
      const roll = (seed * 7 + step * 3) % 10;
      if (roll < 6) await this.#checkout(shopper, seed, step);
      else if (roll < 8) await this.#search(step);
      else if (roll === 8) await this.#setPreferences(shopper, seed, step);
      else await this.#login(shopper);
    });
  }

  async #register(seed: number): Promise<Shopper | undefined> {
    const email = `shopper-${seed}-${randomBytes(4).toString('hex')}@polyshop.test`;
    const registered = await this.#request('POST', '/users/register', undefined, {
      email,
      password: TEST_PASSWORD,
      name: `Shopper ${seed}`,
    });
    if (!this.#expect('register', registered, [201])) return undefined;
    const shopper = { userId: registered.json<{ id: string }>().id, email, token: '' };
    this.shoppers.push(shopper);
    return (await this.#login(shopper)) ? shopper : undefined;
  }

  async #login(shopper: Shopper): Promise<boolean> {
    const answer = await this.#request('POST', '/users/login', undefined, {
      email: shopper.email,
      password: TEST_PASSWORD,
    });
    if (!this.#expect('login', answer, [200])) return false;
    shopper.token = answer.json<{ accessToken: string }>().accessToken;
    this.counts.logins += 1;
    return true;
  }

  /** A cart of one to three SKUs next to each other in `SHOP_SKUS` (so about half hold a hot one). */
  async #checkout(shopper: Shopper, seed: number, step: number): Promise<void> {
    const size = 1 + ((seed + step) % 3);
    const first = (seed * 3 + step) % SHOP_SKUS.length;
    const items = Array.from({ length: size }, (_, k) => ({
      sku: SHOP_SKUS[(first + k) % SHOP_SKUS.length]!,
      quantity: 1 + ((step + k) % 2),
    }));
    const answer = await this.#request('POST', '/orders', shopper.token, checkoutBody(items), {
      'idempotency-key': randomUUID(),
    });
    if (!this.#expect('checkout', answer, [201, 202])) return;
    const order = answer.json<PlacedOrder>();
    this.orders.set(order.id, {
      id: order.id,
      orderNumber: order.orderNumber,
      status: order.status,
      ...(order.reasonCode ? { reasonCode: order.reasonCode } : {}),
      total: order.total,
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
      email: shopper.email,
      token: shopper.token,
    });
  }

  /** A search of the storefront: text, a filter, facets, a sort (each answered 200). */
  async #search(step: number): Promise<void> {
    const queries = [
      '/search/products?q=mug',
      '/search/products?category=mugs&facets=category,brand&sort=-price',
      '/search/products?inStock=true&histogram=price:10',
      '/search/products?q=shop&limit=5',
    ];
    const answer = await this.#request('GET', queries[step % queries.length]!);
    if (this.#expect('search', answer, [200])) this.counts.searches += 1;
  }

  /** Email on, the others off, and a new phone number: the number is the value read back later. */
  async #setPreferences(shopper: Shopper, seed: number, step: number): Promise<void> {
    const phone = `+1555${seed}${String(step).padStart(5, '0')}`;
    const answer = await this.#request('PUT', `/notifications/preferences/${shopper.userId}`, shopper.token, {
      email: true,
      sms: false,
      push: false,
      phone,
    });
    if (!this.#expect('preferences', answer, [200])) return;
    this.phones.set(shopper.userId, phone);
    this.counts.preferenceWrites += 1;
  }

  /** An ad-hoc welcome email to a fresh address (`POST /notifications` as the admin). */
  async #directSend(): Promise<void> {
    const email = `direct-${randomBytes(5).toString('hex')}@polyshop.test`;
    const answer = await this.#admin('POST', '/notifications', {
      type: 'welcome',
      recipient: { email },
      variables: { customerName: 'Direct reader' },
      channels: ['email'],
    });
    if (this.#expect('direct send', answer, [201])) this.directSends.push(email);
  }

  /** Reads every SKU's stock (never more reserved than on hand); every fifth look restocks a hot SKU. */
  async #keepStock(step: number): Promise<void> {
    const answer = await this.#admin('GET', `/inventory?skus=${SHOP_SKUS.join(',')}`);
    if (!this.#expect('stock', answer, [200])) return;
    this.counts.stockLooks += 1;
    for (const level of answer.json<{ items: { sku: string; quantity: number; reserved: number }[] }>()
      .items) {
      if (level.reserved < 0 || level.reserved > level.quantity) {
        this.failures.push(`oversold: ${JSON.stringify(level)}`);
      }
    }
    if (step % 5 !== 4 || this.#options.restocks === false) return;
    const sku = HOT_SKUS[Math.floor(step / 5) % HOT_SKUS.length]!;
    const restocked = await this.#admin('POST', `/inventory/${sku}/adjust`, {
      delta: RESTOCK,
      reason: 'restock under load',
    });
    if (!this.#expect('restock', restocked, [200])) return;
    this.received.set(sku, this.received.get(sku)! + RESTOCK);
    this.counts.restocks += 1;
  }
}
