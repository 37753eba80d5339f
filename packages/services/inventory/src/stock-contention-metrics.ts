import type { ServiceMetrics } from '@polyshop/http';
import type { StockContention } from './ports/stock-contention.ts';

/** Lane and lock waits: from a turn of the event loop (tens of microseconds) to a hot SKU's queue. */
const WAIT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/**
 * Inventory's contention families, labelled with the store the adapter writes to (`pglite`, `postgres`,
 * `dynamodb`): `polyshop_inventory_conflicts_total{store,kind}`, `polyshop_inventory_retries_total{store}`
 * and `polyshop_inventory_lock_wait_seconds{store}`. Undefined when metrics are off.
 */
export function stockContentionMetrics(
  metrics: ServiceMetrics | undefined,
  store: string,
): StockContention | undefined {
  if (!metrics) return undefined;
  const conflicts = metrics.counter(
    'polyshop_inventory_conflicts_total',
    'Stock writes refused because another writer changed the row or item first, by store and kind (stale_row, race, deadlock, serialization_failure, condition_failed, transaction_conflict, throttled).',
    ['store', 'kind'],
  );
  const retries = metrics.counter(
    'polyshop_inventory_retries_total',
    'Stock write attempts (a batch of coalesced reservations counts once) run again after a conflict, by store.',
    ['store'],
  );
  const waits = metrics.histogram(
    'polyshop_inventory_lock_wait_seconds',
    "Time a stock write waited for its turn before it began (PostgreSQL: a reservation in its SKUs' coalescing lane; DynamoDB: a write for its SKUs' locks in this process), by store.",
    ['store'],
    WAIT_BUCKETS,
  );
  return {
    conflict: (kind) => conflicts({ store, kind }),
    retried: () => retries({ store }),
    waited: (seconds) => waits({ store }, seconds),
  };
}
