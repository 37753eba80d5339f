import type { Scenario } from '../scenario.ts';
import { catalog } from './catalog.ts';
import { checkoutScenario } from './checkout.ts';
import { hotSku } from './hot-sku.ts';
import { hotSkuDynamo } from './hot-sku-dynamodb.ts';
import { inventoryContention } from './inventory-contention.ts';
import { migration } from './migration.ts';
import { money } from './money.ts';
import { notificationQueries } from './notification-queries.ts';
import { observability } from './observability.ts';
import { schemaChange } from './schema-change.ts';
import { search } from './search.ts';
import { searchRelevance } from './search-relevance.ts';

/** Every scenario `npm run bench` knows, in the order it runs them. */
export const SCENARIOS: readonly Scenario[] = [
  hotSku,
  hotSkuDynamo,
  search,
  catalog,
  checkoutScenario,
  observability,
  migration,
  inventoryContention,
  money,
  searchRelevance,
  notificationQueries,
  schemaChange,
];
