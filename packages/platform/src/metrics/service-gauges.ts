import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@polyshop/kernel';

/** What a service's scrape-time reader gives: label values (without `service`) and the value. */
type Reading = readonly [labels: Record<string, string>, value: number];

interface Reader {
  service: string;
  read: () => Promise<Iterable<Reading>>;
}

/**
 * The gauges services read from their own store when `/metrics` is scraped (`ServiceMetrics.gauge`):
 * one prom-client gauge per name, with a `service` label before the service's own, filled by every
 * reader registered under that name (a service whose read fails is logged and left out of that scrape).
 */
export class ServiceGauges {
  readonly #registry: Registry;
  readonly #logger: Logger;
  readonly #readers = new Map<string, { labelNames: readonly string[]; readers: Reader[] }>();

  constructor(registry: Registry, logger: Logger) {
    this.#registry = registry;
    this.#logger = logger;
  }

  add(
    service: string,
    name: string,
    help: string,
    labelNames: readonly string[],
    read: () => Promise<Iterable<Reading>>,
  ): void {
    let family = this.#readers.get(name);
    if (!family) {
      const created = { labelNames, readers: [] as Reader[] };
      this.#readers.set(name, (family = created));
      const logger = this.#logger;
      new Gauge({
        name,
        help,
        labelNames: ['service', ...labelNames],
        registers: [this.#registry],
        async collect() {
          const read = await Promise.all(
            created.readers.map(async (reader) => {
              try {
                return { reader, readings: [...(await reader.read())] };
              } catch (error) {
                logger.warn({ err: error, service: reader.service, metric: name }, 'metrics: a read failed');
                return { reader, readings: [] };
              }
            }),
          );
          this.reset();
          for (const { reader, readings } of read) {
            for (const [labels, value] of readings) {
              this.labels(reader.service, ...created.labelNames.map((label) => labels[label] ?? '')).set(
                value,
              );
            }
          }
        },
      });
    }
    family.readers.push({ service, read });
  }
}
