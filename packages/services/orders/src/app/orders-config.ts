import Type, { type Static } from 'typebox';
import { ConfigError, loadConfig } from '@polyshop/kernel';
import {
  DEFAULT_REGIONS,
  parseRegions,
  type RegionPricing,
  type RegionPricingInput,
} from '../domain/region-pricing.ts';
import { faultFromEnv, type SagaFault } from './saga-faults.ts';
import type { SagaSettings } from './saga-runner.ts';

/** The order service's environment variables. */
export const OrdersConfigSchema = Type.Object({
  /**
   * Regions sold to, as JSON: `{"US": {"currency": "USD", "taxRate": "0.0825", "shipping": "5.00",
   * "freeShippingFrom": "100.00"}, …}`. Default: US, EU and UK (see `DEFAULT_REGIONS`).
   */
  ORDERS_REGIONS: Type.Optional(Type.String({ minLength: 2 })),
  /** How long `POST /orders` waits for the checkout saga before answering 202. */
  ORDERS_SAGA_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 120_000, default: 10_000 }),
  /** Pause between recovery passes (a pass also runs at start-up). */
  ORDERS_RECOVERY_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5_000 }),
  /** How long a saga driver may go without recording a step before recovery takes the saga over. */
  ORDERS_SAGA_LEASE_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 30_000 }),
  /** Lifetime of a checkout's stock reservation. */
  ORDERS_RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  /** Transient failures of one step before a checkout that can still be undone is compensated. */
  ORDERS_SAGA_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
  /**
   * Failed attempts of one step before a saga that can no longer be undone (capture, refund,
   * compensation) is parked as needing attention instead of retried (listed and replayed by admins).
   */
  ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  /** First retry delay after a transient failure; doubles up to ORDERS_SAGA_RETRY_MAX_MS. */
  ORDERS_SAGA_RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 1_000 }),
  ORDERS_SAGA_RETRY_MAX_MS: Type.Integer({ minimum: 1, maximum: 86_400_000, default: 300_000 }),
  /** Tests only (with NODE_ENV=test): `<step>:<before_save|after_save|late_undo>[:throw|exit]` crashes the saga there. */
  ORDERS_TEST_CRASH: Type.Optional(Type.String()),
  NODE_ENV: Type.Optional(Type.String()),
});

export type OrdersConfigVariables = Static<typeof OrdersConfigSchema>;

/** The configuration the service runs with. */
export interface OrdersConfig {
  regions: Map<string, RegionPricing>;
  requestTimeoutMs: number;
  recoveryIntervalMs: number;
  saga: SagaSettings;
  fault?: SagaFault;
}

/** Reads and checks the configuration; a bad value stops start-up naming the variable. */
export function loadOrdersConfig(env: NodeJS.ProcessEnv): OrdersConfig {
  const vars = loadConfig(OrdersConfigSchema, env);
  const config: OrdersConfig = {
    regions: guard('ORDERS_REGIONS', () =>
      parseRegions(
        vars.ORDERS_REGIONS
          ? (JSON.parse(vars.ORDERS_REGIONS) as Record<string, RegionPricingInput>)
          : DEFAULT_REGIONS,
      ),
    ),
    requestTimeoutMs: vars.ORDERS_SAGA_REQUEST_TIMEOUT_MS,
    recoveryIntervalMs: vars.ORDERS_RECOVERY_INTERVAL_MS,
    saga: {
      leaseMs: vars.ORDERS_SAGA_LEASE_MS,
      reservationTtlSeconds: vars.ORDERS_RESERVATION_TTL_SECONDS,
      maxAttempts: vars.ORDERS_SAGA_MAX_ATTEMPTS,
      attentionAfterAttempts: vars.ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS,
      retryBaseMs: vars.ORDERS_SAGA_RETRY_BASE_MS,
      retryMaxMs: Math.max(vars.ORDERS_SAGA_RETRY_MAX_MS, vars.ORDERS_SAGA_RETRY_BASE_MS),
    },
  };
  const fault = guard('ORDERS_TEST_CRASH', () => faultFromEnv(vars.ORDERS_TEST_CRASH, vars.NODE_ENV));
  if (fault) config.fault = fault;
  return config;
}

function guard<T>(variable: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new ConfigError([{ variable, message: error instanceof Error ? error.message : String(error) }]);
  }
}
