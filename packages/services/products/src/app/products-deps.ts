import type { Clock } from '@polyshop/kernel';
import type { ProductRepository } from '../ports/product-repository.ts';
import type { ReadCache } from './read-cache.ts';

/** What the product use cases need. */
export interface ProductsDeps {
  repository: ProductRepository;
  clock: Clock;
  /**
   * Called after a write of products or categories committed, before the use case returns: wakes the
   * outbox relay and drops cached listings, so the writer's next read sees its write.
   */
  afterCommit?: () => void;
  /** Serialized `GET /products` answers by query (absent: every listing goes to the store). */
  listingCache?: ReadCache<string>;
}
