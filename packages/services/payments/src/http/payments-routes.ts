import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@polyshop/kernel';
import { ProblemSchema, type Authorizer } from '@polyshop/http';
import type { PaymentsApp } from '../app/payments-app.ts';
import type { Actor } from '../domain/payment.ts';
import {
  CreatePaymentBody,
  IdempotencyHeaders,
  OrderQuery,
  PaymentDetailsSchema,
  PaymentIdParams,
  PaymentListSchema,
  PaymentSchema,
  RefundBody,
  RefundResultSchema,
  RevenueQuerystring,
  RevenueReportSchema,
} from './payments-schemas.ts';

const tags = ['payments'];
const security = [{ bearerAuth: [] }];

/**
 * The payment API. Writes need `payments:write`, reads and reports `payments:read`.
 * `POST /` needs an `Idempotency-Key` (400 `PAYMENT.IDEMPOTENCY_KEY_REQUIRED` without one, as the
 * IETF Idempotency-Key draft advises); a replayed answer carries `Idempotent-Replayed: true`.
 * A declined card is 201 with `status: "failed"` and `reasonCode`.
 */
export function paymentsRoutes(payments: PaymentsApp, authorizer: Authorizer): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const write = authorizer.authorize('payments', 'write');
    const read = authorizer.authorize('payments', 'read');

    app.post(
      '/',
      {
        preValidation: [write, amountsAreStrings],
        schema: {
          tags,
          security,
          summary: 'Authorize a payment (idempotent on the Idempotency-Key header)',
          description:
            'A payment for an order is exactly what the order owes: its total while its checkout runs, nothing once ' +
            'it is confirmed, failed or cancelled — 409 PAYMENT.AMOUNT_MISMATCH (field amount, with owed and ' +
            'orderStatus), 409 PAYMENT.UNKNOWN_ORDER (field orderId); an order already holding a payment gets no ' +
            'second one (409 PAYMENT.ORDER_ALREADY_PAID). The same Idempotency-Key with any other request, another ' +
            'card number included, is 409 PAYMENT.IDEMPOTENCY_KEY_REUSED.',
          headers: IdempotencyHeaders,
          body: CreatePaymentBody,
          response: {
            201: PaymentSchema,
            400: ProblemSchema,
            401: ProblemSchema,
            403: ProblemSchema,
            409: ProblemSchema,
            503: ProblemSchema,
          },
        },
      },
      async (request, reply) => {
        const outcome = await payments.authorize(
          request.body,
          request.headers['idempotency-key'],
          actorOf(request),
        );
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        return reply.status(201).send(outcome.body);
      },
    );

    app.get(
      '/',
      {
        preValidation: read,
        schema: {
          tags,
          security,
          summary: "An order's payments",
          querystring: OrderQuery,
          response: { 200: PaymentListSchema },
        },
      },
      async (request) => payments.findByOrder(request.query.orderId),
    );

    app.get(
      '/reports/revenue',
      {
        preValidation: read,
        schema: {
          tags,
          security,
          summary:
            'Revenue (captured − refunded) per month of capture/refund (UTC), method, region and currency',
          querystring: RevenueQuerystring,
          response: { 200: RevenueReportSchema },
        },
      },
      async (request) => payments.revenue(request.query),
    );

    app.get(
      '/:id',
      {
        preValidation: read,
        schema: {
          tags,
          security,
          summary: 'A payment with its refunds and audit trail',
          params: PaymentIdParams,
          response: { 200: PaymentDetailsSchema },
        },
      },
      async (request) => payments.get(request.params.id),
    );

    app.post(
      '/:id/capture',
      {
        preValidation: write,
        schema: {
          tags,
          security,
          summary: 'Capture an authorized payment (idempotent)',
          params: PaymentIdParams,
          response: { 200: PaymentSchema, 409: ProblemSchema },
        },
      },
      async (request) => payments.capture(request.params.id, actorOf(request)),
    );

    app.post(
      '/:id/void',
      {
        preValidation: write,
        schema: {
          tags,
          security,
          summary: 'Void an authorized payment (idempotent)',
          params: PaymentIdParams,
          response: { 200: PaymentSchema, 409: ProblemSchema },
        },
      },
      async (request) => payments.void(request.params.id, actorOf(request)),
    );

    app.post(
      '/:id/refunds',
      {
        preValidation: [write, amountsAreStrings],
        schema: {
          tags,
          security,
          summary: 'Refund part or all of a captured payment (never more than captured in total)',
          params: PaymentIdParams,
          body: RefundBody,
          response: { 201: RefundResultSchema, 409: ProblemSchema },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await payments.refund(request.params.id, request.body, actorOf(request))),
    );
  };
}

/** Who is calling, for the audit trail. */
function actorOf(request: FastifyRequest): Actor {
  return { actor: request.principal?.userId ?? 'system', ip: request.ip };
}

/** Validation would coerce a JSON number to a string; money must arrive as a decimal string. */
async function amountsAreStrings(request: FastifyRequest): Promise<void> {
  const body = request.body as { amount?: unknown } | null | undefined;
  if (typeof body?.amount === 'number') {
    throw AppError.invalidInput(
      'MONEY.INVALID_AMOUNT',
      'Amounts are decimal strings such as "21.59", never JSON numbers.',
      { field: 'amount' },
    );
  }
}
