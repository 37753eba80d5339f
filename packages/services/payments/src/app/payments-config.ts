import Type, { type Static } from 'typebox';
import { loadConfig } from '@polyshop/kernel';

/** The payment service's environment variables (validated at start-up; a bad value names the variable). */
export const PaymentsConfigSchema = Type.Object({
  /** Which gateway charges cards. Only `sandbox` (the fake card network) exists so far. */
  PAYMENTS_GATEWAY: Type.Union([Type.Literal('sandbox')], { default: 'sandbox' }),
  /** Sandbox: delay before every gateway answer, in ms. */
  PAYMENTS_SANDBOX_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Sandbox: share of gateway calls (0–1) that fail as unavailable, for tests and drills. */
  PAYMENTS_SANDBOX_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** How long a request holds its idempotency key before another may resume it (crash recovery), in ms. */
  PAYMENTS_IDEMPOTENCY_LEASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
  /** How long a retry waits for a concurrent request with the same key before a 409, in ms. */
  PAYMENTS_IDEMPOTENCY_WAIT_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 10_000 }),
  /** Attempts per gateway call while the gateway is unavailable. */
  PAYMENTS_GATEWAY_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
  /** How often pending refunds (left by a crash or outage) are retried, in ms; they must be this old too. */
  PAYMENTS_REFUND_RECOVERY_INTERVAL_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 60_000 }),
  /**
   * `on`: a new payment must be exactly what its order owes, asked of the order service (in this process or
   * over HTTP); `off` only runs the payment service without an order service (its own tests).
   */
  PAYMENTS_ORDER_CHECK: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
});

export type PaymentsConfig = Static<typeof PaymentsConfigSchema>;

export function loadPaymentsConfig(env: NodeJS.ProcessEnv): PaymentsConfig {
  return loadConfig(PaymentsConfigSchema, env);
}
