import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { fingerprintKeyLoader, OutboxRelay } from '@polyshop/stores';
import { migratePayments, PAYMENTS_SCHEMA } from './adapters/postgres/payments-schema.ts';
import { PostgresPaymentRepository } from './adapters/postgres/postgres-payment-repository.ts';
import { SandboxPaymentGateway } from './adapters/sandbox/sandbox-payment-gateway.ts';
import { loadPaymentsConfig } from './app/payments-config.ts';
import { PaymentsApp } from './app/payments-app.ts';
import { paymentsRoutes } from './http/payments-routes.ts';
import { InProcessPaymentsClient, PaymentsHttpClient, type PaymentsClient } from './payments-client.ts';
import type { OrderDues } from './ports/order-dues.ts';
import type { PaymentGateway } from './ports/payment-gateway.ts';

export interface PaymentsServiceOptions {
  /** A gateway instead of the configured one (tests pass a sandbox with a controlled failure draw). */
  gateway?: PaymentGateway;
}

/** Builds the payment service on PostgreSQL: migrations, gateway, routes, outbox relay, refund recovery. */
export async function createPaymentsService(
  context: ServiceContext<'postgres'>,
  options: PaymentsServiceOptions = {},
): Promise<PaymentsModule> {
  const config = loadPaymentsConfig(context.env);
  const db = await context.postgres();
  await migratePayments(db);
  const relay = new OutboxRelay({
    db,
    schema: PAYMENTS_SCHEMA,
    publisher: context.bus,
    logger: context.logger,
  });
  const gateway =
    options.gateway ??
    new SandboxPaymentGateway(db, {
      latencyMs: config.PAYMENTS_SANDBOX_LATENCY_MS,
      failureRate: config.PAYMENTS_SANDBOX_FAILURE_RATE,
      clock: context.clock,
    });
  const app = new PaymentsApp({
    repository: new PostgresPaymentRepository(db, { onEvents: () => relay.wake() }),
    gateway,
    clock: context.clock,
    logger: context.logger,
    idempotency: {
      leaseMs: config.PAYMENTS_IDEMPOTENCY_LEASE_MS,
      waitMs: config.PAYMENTS_IDEMPOTENCY_WAIT_MS,
    },
    gatewayAttempts: config.PAYMENTS_GATEWAY_ATTEMPTS,
    fingerprintKey: fingerprintKeyLoader(db, PAYMENTS_SCHEMA),
    ...(config.PAYMENTS_ORDER_CHECK === 'on' ? { orders: orderDuesOf(context) } : {}),
  });
  let recovery: NodeJS.Timeout | undefined;
  let recovering: Promise<unknown> | undefined;
  const interval = config.PAYMENTS_REFUND_RECOVERY_INTERVAL_MS;
  return {
    client: new InProcessPaymentsClient(app),
    app,
    relay,
    routes: paymentsRoutes(app, context.authorizer),
    async start() {
      relay.start();
      recovery = setInterval(() => {
        recovering ??= app
          .recoverPendingRefunds(interval)
          .catch((error) => context.logger.warn({ err: error }, 'refund recovery failed'))
          .finally(() => (recovering = undefined));
      }, interval);
      recovery.unref();
    },
    async stop() {
      clearInterval(recovery);
      await recovering;
      await relay.stop();
    },
    async ready() {
      await db.ping();
    },
  };
}

/**
 * What orders owe, from the order service's client — looked up at each payment: the order service is
 * created after this one (it needs payments), in this process or another.
 */
function orderDuesOf(context: ServiceContext<'postgres'>): OrderDues {
  return {
    async find(orderId) {
      const order = await context.client('orders').findOrder(orderId);
      return order && { status: order.status, total: order.total, currency: order.currency };
    },
  };
}

/** The running payment service, with its use cases and outbox relay (tests drive them). */
export type PaymentsModule = ServiceModule<PaymentsClient> & { app: PaymentsApp; relay: OutboxRelay };

declare module '@polyshop/http' {
  interface ServiceRegistry {
    payments: { client: PaymentsClient; module: PaymentsModule };
  }
}

/** How the platform creates the payment service and reaches it from another process. */
export const definition: ServiceDefinition<'payments', 'postgres'> = {
  name: 'payments',
  prefix: '/payments',
  defaultPort: 3004,
  stores: { variable: 'PAYMENT_STORE', supported: ['postgres'], polyglot: 'postgres' },
  create: (context) => createPaymentsService(context),
  httpClient: (baseUrl, context) => new PaymentsHttpClient(baseUrl, { logger: context.logger }),
};
