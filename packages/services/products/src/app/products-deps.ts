import type { Clock } from '@polyshop/kernel';
import type { ProductRepository } from '../ports/product-repository.ts';

/** What the catalog's use cases need. */
export interface CatalogDeps {
  repository: ProductRepository;
  clock: Clock;
  /** Called after a write that recorded events committed (wakes the outbox relay). */
  afterCommit?: () => void;
}
