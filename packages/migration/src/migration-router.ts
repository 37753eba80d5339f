import { randomUUID } from 'node:crypto';
import { AppError, type EventEnvelope, type Logger } from '@polyshop/kernel';
import {
  PHASE_CHANGED,
  type MigrationState,
  type MigrationStateStore,
  type PhaseChangedData,
} from './migration-state.ts';
import { routingOf, type Phase, type Routing } from './phases.ts';

/** Where this process sends a service's reads and writes now. */
export interface ServiceRouting extends Routing {
  phase: Phase;
  /** The migration's epoch this routing belongs to (0 when no migration was ever started). */
  epoch: number;
  /** The store `from` names (the configured store when no migration exists). */
  fromStore: string;
  /** The store `to` names (the configured store when no migration exists). */
  toStore: string;
}

/** Called when the routing changed (a new epoch); the router acknowledges the epoch once it resolves. */
export type RoutingListener = (routing: ServiceRouting, previous: ServiceRouting) => void | Promise<void>;

/** Which service a router follows, in which control store, and how often it looks. */
export interface MigrationRouterOptions {
  state: MigrationStateStore;
  service: string;
  /** The store the service is configured on: its routing while no migration of it exists. */
  configuredStore: string;
  /** This process's id in the membership table (default: a random UUID). */
  processId?: string;
  /** How often the state is read and a heartbeat written (default 1000 ms). */
  refreshMs?: number;
  /**
   * After this long without a successful read and heartbeat, `assertWritable` refuses (default
   * 5000 ms). Keep it below the engine's `aliveWithinMs`, so a process the engine stops waiting for
   * has stopped writing. `Infinity` when no other process can change the phase (an embedded control
   * store this process alone opens): then only the first read is required.
   */
  fenceMs?: number;
  logger?: Logger;
}

/**
 * One process's view of one service's migration. It reads the migration from the control store
 * every `refreshMs` (and at once on `refresh()`, or on a `migration.phase_changed` event of its
 * service: `phaseChangeSubscription`), tells its listeners when the epoch changed, and then
 * heartbeats the epoch it has applied, which the engine waits for before the next phase.
 *
 * Fencing: a process that cannot read the control store (and write its heartbeat) for `fenceMs`
 * no longer knows the phase, so `assertWritable` throws a 503 `MIGRATION.CONTROL_UNREACHABLE`
 * rather than let it write one store only; reads may go on with the last routing.
 */
export class MigrationRouter {
  readonly processId: string;
  readonly #options: Required<Omit<MigrationRouterOptions, 'logger' | 'processId'>> & { logger?: Logger };
  #routing: ServiceRouting;
  /** `performance.now()` of the last read and heartbeat that succeeded; undefined before the first. */
  #freshAt: number | undefined;
  #lastError: unknown;
  readonly #listeners = new Set<RoutingListener>();
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(options: MigrationRouterOptions) {
    this.processId = options.processId ?? randomUUID();
    this.#options = { refreshMs: 1000, fenceMs: 5000, ...options };
    this.#routing = idleRouting(options.configuredStore);
  }

  /** The service whose migration this router follows. */
  get service(): string {
    return this.#options.service;
  }

  /** Reads the state once (rejecting if it cannot), then keeps refreshing every `refreshMs` until `stop`. */
  async start(): Promise<void> {
    this.#stopped = false;
    try {
      await this.refresh();
      const failure = this.#lastError;
      if (failure !== undefined) {
        throw failure instanceof Error
          ? failure
          : new Error('cannot read the migration state', { cause: failure });
      }
    } finally {
      this.#schedule();
    }
  }

  /**
   * Stops refreshing and leaves the membership, so the engine no longer waits for this process. Waits
   * for a refresh in progress first, listeners included.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    try {
      await this.#options.state.leave(this.#options.service, this.processId);
    } catch {
      // The control store is gone: the heartbeat ages out instead.
    }
  }

  /**
   * Reads the state now (after any read in progress, so it sees every change committed before the
   * call), notifies listeners of a new epoch, and heartbeats. Never rejects: a failure is kept and
   * counts toward the fence.
   */
  async refresh(): Promise<void> {
    const previous = this.#running;
    const run = (async () => {
      await previous;
      await this.#load();
    })();
    this.#running = run;
    await run;
    if (this.#running === run) this.#running = undefined;
  }

  /**
   * A `migration.phase_changed` event announced `epoch` of this router's service: refreshes now
   * instead of at the next poll. Ignored while the router is not running (before `start`, after
   * `stop`: a refresh then would heartbeat a process that left) and for an epoch it has applied.
   */
  async phaseChanged(epoch: number): Promise<void> {
    if (this.#stopped || epoch <= this.#routing.epoch) return;
    await this.refresh();
  }

  /** The routing this process applies now. */
  routing(): ServiceRouting {
    return this.#routing;
  }

  /** Calls `listener` at every change of epoch; returns a function that unsubscribes it. */
  onChange(listener: RoutingListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Throws a 503 `MIGRATION.CONTROL_UNREACHABLE` when the control store has not been read for
   * longer than `fenceMs`, or never was: call it before every write of the service.
   */
  assertWritable(): void {
    const { fenceMs, service } = this.#options;
    const since = this.#freshAt === undefined ? undefined : performance.now() - this.#freshAt;
    if (since !== undefined && since <= fenceMs) return;
    throw AppError.unavailable(
      'MIGRATION.CONTROL_UNREACHABLE',
      `${service} refuses writes: the migration control store has not answered for ${
        since === undefined ? 'any read yet' : `${Math.round(since)} ms`
      }, so this process cannot know which stores to write.`,
      { cause: this.#lastError, details: { service } },
    );
  }

  async #load(): Promise<void> {
    const { service, refreshMs } = this.#options;
    try {
      const next = await this.#read();
      const previous = this.#routing;
      if (next.epoch !== previous.epoch || next.phase !== previous.phase) {
        // Applied once every listener has taken it: a listener that fails leaves the old routing
        // (and the old epoch in the heartbeat), and the next refresh tries again. A listener may take
        // a while (the write gate waits for every write begun under the old epoch to end): meanwhile
        // the process knows the phase, so it heartbeats the epoch it has applied, and stays writable,
        // as long as the control store still says `next` (a newer epoch, e.g. a rollback, lets the
        // fence age out as before).
        await this.#beat(previous.epoch);
        let confirming = Promise.resolve();
        const keepAlive = setInterval(() => {
          confirming = confirming.then(() => this.#confirm(next.epoch, previous.epoch));
        }, refreshMs);
        try {
          for (const listener of this.#listeners) await listener(next, previous);
        } finally {
          clearInterval(keepAlive);
          await confirming; // so that no heartbeat of the old epoch lands after the new one's
        }
        this.#routing = next;
      }
      await this.#beat(this.#routing.epoch);
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error;
      this.#options.logger?.warn({ err: error, service }, 'cannot read the migration state');
    }
  }

  /** The routing the control store holds now. */
  async #read(): Promise<ServiceRouting> {
    const migration = await this.#options.state.get(this.#options.service);
    return migration ? routingOfState(migration) : idleRouting(this.#options.configuredStore);
  }

  /** Heartbeats `epoch`; the control store answered, so the process is fresh again. */
  async #beat(epoch: number): Promise<void> {
    await this.#options.state.heartbeat(this.#options.service, this.processId, epoch);
    this.#freshAt = performance.now();
  }

  /** While listeners apply epoch `applying`: heartbeats `applied` if the control store still says `applying`. */
  async #confirm(applying: number, applied: number): Promise<void> {
    try {
      if ((await this.#read()).epoch === applying) await this.#beat(applied);
    } catch (error) {
      this.#lastError = error;
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, this.#options.refreshMs);
    this.#timer.unref();
  }
}

/** A bus subscription, as `EventBus.subscribe` takes it (this package does not depend on the bus). */
export interface PhaseChangeSubscription {
  consumer: string;
  types: string[];
  handler: (event: EventEnvelope) => Promise<void>;
  transient: true;
}

/**
 * The subscription that makes `router` refresh as soon as its service's phase changes: every process
 * hears the `migration.phase_changed` events (the platform relays `platform.outbox` to the bus), each
 * through its own transient consumer. The router's poll stays the fallback for a lost event.
 */
export function phaseChangeSubscription(router: MigrationRouter): PhaseChangeSubscription {
  return {
    consumer: `${router.service}.migration-router.${router.processId}`,
    types: [PHASE_CHANGED],
    transient: true,
    handler: async (event) => {
      const data = event.data as Partial<PhaseChangedData> | undefined;
      if (data?.service !== router.service || typeof data.epoch !== 'number') return;
      await router.phaseChanged(data.epoch);
    },
  };
}

function routingOfState(state: MigrationState): ServiceRouting {
  return {
    phase: state.phase,
    epoch: state.epoch,
    fromStore: state.fromStore,
    toStore: state.toStore,
    ...routingOf(state.phase),
  };
}

function idleRouting(store: string): ServiceRouting {
  return { phase: 'idle', epoch: 0, fromStore: store, toStore: store, ...routingOf('idle') };
}
