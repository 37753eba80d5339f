import type { Clock } from '@polyshop/kernel';
import type { ProductRepository } from '../ports/product-repository.ts';

/** What the product use cases need. */
export interface ProductsDeps {
  repository: ProductRepository;
  clock: Clock;
  /** Called after a write that recorded events committed (wakes the outbox relay). */
  afterCommit?: () => void;
}
