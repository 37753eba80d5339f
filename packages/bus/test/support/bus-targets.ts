import { randomBytes } from 'node:crypto';
import { silentLogger } from '@polyshop/kernel';
import { skipReason, testServerUrl } from '@polyshop/testing';
import { InProcessEventBus, NatsEventBus, type EventBus, type RetryPolicy } from '../../src/index.ts';

/** One test's own bus: buses opened on it share events (like processes on one NATS). */
export interface BusNamespace {
  /** A bus on this namespace; on the in-process target every call returns a new, unconnected bus. */
  open(policy?: RetryPolicy): Promise<EventBus>;
  /** Closes every bus it opened and removes what it created on the server. */
  dispose(): Promise<void>;
}

/** An event bus adapter under test. */
export interface EventBusTarget {
  name: 'in-process' | 'nats';
  skip: string | false;
  /** Events outlive a consumer: a durable consumer resumes where it stopped, across buses. */
  durable: boolean;
  /** A fresh, isolated namespace (NATS: a stream and subject prefix of its own). */
  namespace(): Promise<BusNamespace>;
}

/** Fast retries so exhaustion tests finish quickly. */
const testPolicy: RetryPolicy = { maxAttempts: 3, retryDelayMs: 5 };

const NATS_VARIABLE = 'POLYSHOP_TEST_NATS_URL';

/** Every bus adapter: in-process always; NATS JetStream from `POLYSHOP_TEST_NATS_URL` (scripts/servers up nats). */
export function eventBusTargets(): EventBusTarget[] {
  const natsUrl = testServerUrl(NATS_VARIABLE);
  return [
    {
      name: 'in-process',
      skip: false,
      durable: false,
      async namespace() {
        const buses: EventBus[] = [];
        return {
          async open(policy) {
            const bus = new InProcessEventBus({ logger: silentLogger(), ...testPolicy, ...policy });
            buses.push(bus);
            return bus;
          },
          async dispose() {
            await Promise.all(buses.map((bus) => bus.close()));
          },
        };
      },
    },
    {
      name: 'nats',
      skip: skipReason(NATS_VARIABLE, natsUrl),
      durable: true,
      async namespace() {
        const id = randomBytes(5).toString('hex');
        const where = {
          url: natsUrl!,
          logger: silentLogger(),
          stream: `POLYSHOP_T_${id}`,
          subjectPrefix: `polyshop_t_${id}.events`,
          pullExpiresMs: 1_000,
        };
        const buses: NatsEventBus[] = [];
        return {
          async open(policy) {
            const bus = await NatsEventBus.connect({ ...where, ...testPolicy, ...policy });
            buses.push(bus);
            return bus;
          },
          async dispose() {
            await Promise.all(buses.map((bus) => bus.close()));
            const admin = await NatsEventBus.connect(where);
            await admin.deleteStream();
            await admin.close();
          },
        };
      },
    },
  ];
}
