import { AppError } from '@polyshop/kernel';
import type { MigrationSide, MovableStore, MovableStores } from '@polyshop/migration';
import type { NewReservation, Reservation } from '../../domain/reservation.ts';
import type { StockAdjustment, StockChange, StockLevel } from '../../domain/stock-level.ts';
import { MAX_SHARDS, type StockShards } from '../../domain/stock-shards.ts';
import type {
  AdjustmentInput,
  InventoryRepository,
  ReservationTransition,
  ReserveOutcome,
  ReturnInput,
  SetQuantityInput,
  WriteContext,
} from '../../ports/inventory-repository.ts';
import type { ShardingInput, StockSharding } from '../../ports/stock-sharding.ts';
import { INVENTORY_KINDS, type InventoryKind } from './inventory-migration-kinds.ts';

/** A side that can also name the history entries a write just added (both inventory sides can). */
export interface InventorySide extends MigrationSide {
  /** The keys of the SKU's history entries made by stock versions `from` to `to`. */
  adjustmentKeysBetween(sku: string, from: number, to: number): Promise<string[]>;
}

/** One store of the inventory service, open: its repository, its sharded counters (DynamoDB) and its side. */
export interface OpenInventoryStore extends MovableStore {
  repository: InventoryRepository;
  sharding?: StockSharding | undefined;
  side: InventorySide;
}

/**
 * How far below the version a write left a SKU at its history entry can be keyed: PostgreSQL keys it
 * by that version exactly; DynamoDB by the version it started from + 1, and a write to a sharded SKU
 * raises the version by one per part it writes (at most `MAX_SHARDS`). Entries of other writes in the
 * range are copied too, harmlessly (each is written once; a copy of one already there writes nothing).
 */
const HISTORY_SPAN = MAX_SHARDS;

/** The keys one write touched, per kind, to copy to the mirror once it committed. */
class Touched {
  readonly #keys = new Map<InventoryKind, Set<string>>();
  readonly #history = new Map<string, number>();

  add(kind: InventoryKind, ...keys: string[]): this {
    let set = this.#keys.get(kind);
    if (!set) this.#keys.set(kind, (set = new Set()));
    for (const key of keys) set.add(key);
    return this;
  }

  /** The stock each change moved. */
  changes(changes: readonly StockChange[]): this {
    return this.add('stock', ...changes.map((change) => change.sku));
  }

  /** The SKUs whose history the write added to, by the stock it left (their keys found once it committed). */
  history(...changes: readonly StockChange[]): this {
    for (const change of changes) {
      this.#history.set(change.sku, Math.max(this.#history.get(change.sku) ?? 0, change.after.version));
    }
    return this;
  }

  /** The keys per kind, in copy order (stock before the reservations and history that refer to it). */
  async resolve(primary: InventorySide): Promise<[string, string[]][]> {
    for (const [sku, version] of this.#history) {
      this.add('adjustments', ...(await primary.adjustmentKeysBetween(sku, version - HISTORY_SPAN, version)));
    }
    return INVENTORY_KINDS.filter((kind) => this.#keys.get(kind)?.size).map((kind) => [
      kind,
      [...this.#keys.get(kind)!],
    ]);
  }
}

/** The keys a reservation state change touched (nothing when it changed nothing). */
function transitionTouched(transition: ReservationTransition | undefined, history = false): Touched {
  const touched = new Touched();
  if (!transition || transition.changes.length === 0) return touched;
  touched.add('reservations', transition.reservation.id).changes(transition.changes);
  if (history) touched.history(...transition.changes);
  return touched;
}

/**
 * The inventory repository while the service moves between PostgreSQL and DynamoDB (issue 14), on
 * `MovableStores`. Every write — set, adjust, reserve, commit, release, expire, return — begins through
 * the write gate and runs on the phase's source of truth, whose own conditional writes keep
 * `reserved ≤ quantity` (PostgreSQL's coalesced batches, DynamoDB's sharded counters); then the keys it
 * touched (the SKUs' stock, the reservation, the new history entries) are read back from the source of
 * truth and copied to the other store by version, as absolute values: a copy made twice, late or out
 * of order never moves a count twice, and never takes a reservation back to an earlier status. Reads
 * go where the phase says.
 *
 * The reaper's query (`findExpiredReservations`) goes to the source of truth only, and each expiry is a
 * write there (conditional on the reservation still being active and due), copied like any other: a
 * reservation is expired once, on the store that holds the truth, and its expired status reaches the
 * other store by version.
 */
export class RoutedInventoryRepository implements InventoryRepository {
  readonly #stores: MovableStores<OpenInventoryStore>;

  constructor(stores: MovableStores<OpenInventoryStore>) {
    this.#stores = stores;
  }

  findStock(sku: string): Promise<StockLevel | undefined> {
    return this.#reader().findStock(sku);
  }

  findStocks(skus: readonly string[]): Promise<StockLevel[]> {
    return this.#reader().findStocks(skus);
  }

  listAdjustments(sku: string, limit: number): Promise<StockAdjustment[]> {
    return this.#reader().listAdjustments(sku, limit);
  }

  findReservation(id: string): Promise<Reservation | undefined> {
    return this.#reader().findReservation(id);
  }

  findActiveReservations(sku: string, limit: number): Promise<Reservation[]> {
    return this.#reader().findActiveReservations(sku, limit);
  }

  /** The reaper's query: on the source of truth, whatever the reads follow. */
  findExpiredReservations(now: Date, limit: number): Promise<string[]> {
    return this.#stores.primary(this.#stores.routing()).repository.findExpiredReservations(now, limit);
  }

  setQuantity(input: SetQuantityInput, context: WriteContext): Promise<StockChange> {
    return this.#write(
      (repository) => repository.setQuantity(input, context),
      (change) => new Touched().changes([change]).history(change),
    );
  }

  adjust(input: AdjustmentInput, context: WriteContext): Promise<StockChange> {
    return this.#write(
      (repository) => repository.adjust(input, context),
      (change) => new Touched().changes([change]).history(change),
    );
  }

  reserve(reservation: NewReservation, context: WriteContext): Promise<ReserveOutcome> {
    return this.#write(
      (repository) => repository.reserve(reservation, context),
      (outcome) =>
        outcome.status === 'reserved'
          ? new Touched().add('reservations', outcome.reservation.id).changes(outcome.changes)
          : new Touched(),
    );
  }

  commitReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#write(
      (repository) => repository.commitReservation(id, context),
      (transition) => transitionTouched(transition),
    );
  }

  releaseReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#write(
      (repository) => repository.releaseReservation(id, context),
      (transition) => transitionTouched(transition),
    );
  }

  expireReservation(id: string, context: WriteContext): Promise<ReservationTransition | undefined> {
    return this.#write(
      (repository) => repository.expireReservation(id, context),
      (transition) => transitionTouched(transition),
    );
  }

  returnReservation(
    id: string,
    input: ReturnInput,
    context: WriteContext,
  ): Promise<ReservationTransition | undefined> {
    return this.#write(
      (repository) => repository.returnReservation(id, input, context),
      (transition) => transitionTouched(transition, true),
    );
  }

  #reader(): InventoryRepository {
    return this.#stores.reader().repository;
  }

  /** One write on the source of truth (gated), then the copy of what it touched to the other store. */
  #write<T>(
    work: (repository: InventoryRepository, store: OpenInventoryStore) => Promise<T>,
    touched: (result: T) => Touched,
  ): Promise<T> {
    return this.#stores.write(async (primary) => {
      const result = await work(primary.repository, primary);
      return { result, touched: await touched(result).resolve(primary.side) };
    });
  }

  /** A sharding write on the source of truth (its SKU's version moves: the stock is copied). */
  shardingWrite<T>(sku: string, work: (sharding: StockSharding) => Promise<T>): Promise<T> {
    return this.#stores.write(async (primary) => {
      if (!primary.sharding) throw shardingUnsupported(primary.side.store);
      const result = await work(primary.sharding);
      return { result, touched: await new Touched().add('stock', sku).resolve(primary.side) };
    });
  }

  /** The sharding of the store reads go to (undefined on a store without sharded counters). */
  readerSharding(): StockSharding | undefined {
    return this.#stores.reader().sharding;
  }
}

function shardingUnsupported(store: string): AppError {
  return AppError.conflict(
    'INVENTORY.SHARDING_UNSUPPORTED',
    `Inventory's source of truth is ${store} now, which has no sharded counters; try again once the move is done.`,
  );
}

/**
 * Sharded counters while inventory moves: reads from the store reads go to (one counter per SKU on a
 * store without shards), changes on the source of truth under the write gate, the SKU's stock then
 * copied (a change of layout moves its summed version).
 */
export class RoutedStockSharding implements StockSharding {
  readonly #repository: RoutedInventoryRepository;

  constructor(repository: RoutedInventoryRepository) {
    this.#repository = repository;
  }

  async findShards(sku: string): Promise<StockShards | undefined> {
    const sharding = this.#repository.readerSharding();
    if (sharding) return sharding.findShards(sku);
    const stock = await this.#repository.findStock(sku);
    if (!stock) return undefined;
    const { quantity, reserved, available } = stock;
    return { sku, shards: 1, layout: [{ shard: 0, quantity, reserved, available }] };
  }

  setShards(input: ShardingInput, context: WriteContext): Promise<StockShards> {
    return this.#repository.shardingWrite(input.sku, (sharding) => sharding.setShards(input, context));
  }

  rebalance(sku: string, context: WriteContext): Promise<StockShards | undefined> {
    return this.#repository.shardingWrite(sku, (sharding) => sharding.rebalance(sku, context));
  }
}
