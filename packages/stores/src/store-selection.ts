/** The kinds of store a service can keep its data in. */
export type StoreKind = 'postgres' | 'mongodb' | 'dynamodb' | 'opensearch';

export type Profile = 'phase1' | 'polyglot';

/**
 * Which stores each service can run on, and its store in the polyglot profile (as in the seed).
 * Phase 1 runs every service on PostgreSQL.
 */
export const SERVICE_STORES = {
  users: { variable: 'USER_STORE', polyglot: 'postgres', supported: ['postgres'] },
  products: { variable: 'PRODUCT_STORE', polyglot: 'mongodb', supported: ['postgres', 'mongodb'] },
  orders: { variable: 'ORDER_STORE', polyglot: 'postgres', supported: ['postgres'] },
  payments: { variable: 'PAYMENT_STORE', polyglot: 'postgres', supported: ['postgres'] },
  inventory: { variable: 'INVENTORY_STORE', polyglot: 'dynamodb', supported: ['postgres', 'dynamodb'] },
  notifications: { variable: 'NOTIFICATION_STORE', polyglot: 'mongodb', supported: ['postgres', 'mongodb'] },
  search: { variable: 'SEARCH_STORE', polyglot: 'opensearch', supported: ['postgres', 'opensearch'] },
} as const satisfies Record<
  string,
  { variable: string; polyglot: StoreKind; supported: readonly StoreKind[] }
>;

export type StoreService = keyof typeof SERVICE_STORES;

/**
 * The store a service runs on: its `<SERVICE>_STORE` variable if set, else the profile's choice.
 * Throws naming the variable when the value is not a store that service supports.
 */
export function selectStore(service: StoreService, profile: Profile, env: NodeJS.ProcessEnv): StoreKind {
  const spec = SERVICE_STORES[service];
  const chosen = env[spec.variable] || (profile === 'polyglot' ? spec.polyglot : 'postgres');
  if (!(spec.supported as readonly string[]).includes(chosen)) {
    throw new Error(
      `${spec.variable}=${chosen} is not supported; ${service} runs on ${spec.supported.join(' or ')}.`,
    );
  }
  return chosen as StoreKind;
}
