import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '@polyshop/kernel';
import { hasPermission, ProblemSchema, type Authorizer } from '@polyshop/http';
import { cancelOrder } from '../app/cancel-order.ts';
import type { OrdersDeps, Viewer } from '../app/orders-deps.ts';
import { placeOrder } from '../app/place-order.ts';
import { getOrder, getSagaTimeline, listOrders } from '../app/read-orders.ts';
import { listParkedSagas, replayParkedSaga } from '../app/parked-sagas.ts';
import type { Order } from '../domain/order.ts';
import { toOrderView } from '../app/orders-views.ts';
import {
  CancelBody,
  CheckoutBody,
  IdempotencyHeaders,
  ListOrdersQuery,
  OrderIdParams,
  OrderListSchema,
  OrderSchema,
  SagaListQuery,
  SagaListSchema,
  SagaTimelineSchema,
} from './orders-schemas.ts';

const security = [{ bearerAuth: [] }];
const tags = ['orders'];

function viewerOf(request: FastifyRequest): Viewer {
  const principal = request.principal;
  if (!principal) throw AppError.unauthorized('AUTH.TOKEN_MISSING', 'This route needs an access token.');
  return {
    userId: principal.userId,
    canReadAll: hasPermission(principal, 'orders', 'read'),
    canWriteAll: hasPermission(principal, 'orders', 'write'),
  };
}

/**
 * A checkout that failed on the client's own payment input (a card number that fails its check) is a
 * 400 naming the field, like any bad input; the order it created stays `failed` with nothing held.
 */
function inputFailure(order: Order): AppError | undefined {
  const details = order.failure?.details;
  if (order.status !== 'failed' || details?.kind !== 'invalid_input' || typeof details.field !== 'string')
    return undefined;
  return AppError.invalidInput(
    order.failure!.reasonCode,
    order.failure!.message ?? 'The payment details are invalid.',
    {
      field: `payment.${details.field}`,
      details: { orderId: order.id },
    },
  );
}

/** `/orders`: checkout, reading and cancelling orders; `/orders/admin/sagas`: parked sagas, for `orders:admin`. */
export function ordersRoutes(deps: OrdersDeps, authorizer: Authorizer, prefix: string): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const authenticated = authorizer.authenticate();
    const location = (order: Order) => `${prefix}/${order.id}`;

    app.post(
      '/',
      {
        preValidation: authenticated,
        schema: {
          tags,
          security,
          summary: 'Place an order (runs the checkout saga)',
          description:
            '201 with the final order (`confirmed`, or `failed` with `reasonCode`); 202 with `Location` when the checkout ' +
            'is still running after the request timeout. The same Idempotency-Key again returns the same order.',
          headers: IdempotencyHeaders,
          body: CheckoutBody,
          response: {
            201: OrderSchema,
            202: OrderSchema,
            400: ProblemSchema,
            409: ProblemSchema,
            428: ProblemSchema,
          },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const result = await placeOrder(deps, {
          userId: principal.userId,
          customer: principal.email ? { email: principal.email } : {},
          idempotencyKey: request.headers['idempotency-key'],
          input: request.body as Parameters<typeof placeOrder>[1]['input'],
        });
        const refused = inputFailure(result.order);
        if (refused) throw refused;
        if (!result.created) reply.header('idempotent-replayed', 'true');
        reply.header('location', location(result.order));
        return reply.status(result.finished ? 201 : 202).send(toOrderView(result.order));
      },
    );

    app.get(
      '/',
      {
        preValidation: authenticated,
        schema: {
          tags,
          security,
          summary: 'List orders, newest first: your own, or everyone’s with orders:read',
          querystring: ListOrdersQuery,
          response: { 200: OrderListSchema, 400: ProblemSchema },
        },
      },
      async (request) => {
        const page = await listOrders(deps, request.query, viewerOf(request));
        return {
          items: page.orders.map(toOrderView),
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        };
      },
    );

    app.get(
      '/:id',
      {
        preValidation: authenticated,
        schema: {
          tags,
          security,
          summary: 'One order (its owner, or orders:read)',
          params: OrderIdParams,
          response: { 200: OrderSchema, 404: ProblemSchema },
        },
      },
      async (request) => toOrderView(await getOrder(deps, request.params.id, viewerOf(request))),
    );

    app.get(
      '/:id/saga',
      {
        preValidation: authenticated,
        schema: {
          tags,
          security,
          summary: "An order's saga timeline (orders:read)",
          description:
            'Every change of the checkout (and cancellation) saga, oldest first: each state it moved to, retries after a ' +
            'transient failure, parking and replays, with the failure recorded. Read-only; for staff (the operator console).',
          params: OrderIdParams,
          response: { 200: SagaTimelineSchema, 403: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (request) => {
        const { order, steps } = await getSagaTimeline(deps, request.params.id, viewerOf(request));
        return {
          orderId: order.id,
          orderNumber: order.orderNumber,
          state: order.saga.state,
          steps: steps.map(({ at, nextAttemptAt, ...step }) => ({
            ...step,
            at: at.toISOString(),
            ...(nextAttemptAt ? { nextAttemptAt: nextAttemptAt.toISOString() } : {}),
          })),
        };
      },
    );

    app.post(
      '/:id/cancel',
      {
        preValidation: authenticated,
        schema: {
          tags,
          security,
          summary: 'Cancel a confirmed order: refund, restock, emit order.cancelled',
          description:
            '200 with the cancelled order; 202 while the refund is still running. Owner, or orders:write.',
          params: OrderIdParams,
          body: Type.Optional(CancelBody),
          response: { 200: OrderSchema, 202: OrderSchema, 404: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        const reason = (request.body as { reason?: string } | null | undefined)?.reason;
        const result = await cancelOrder(deps, { id: request.params.id, reason }, viewerOf(request));
        if (!result.finished) reply.header('location', location(result.order));
        return reply.status(result.finished ? 200 : 202).send(toOrderView(result.order));
      },
    );

    const admin = authorizer.authorize('orders', 'admin');
    const adminTags = ['orders', 'admin'];

    app.get(
      '/admin/sagas',
      {
        preHandler: admin,
        schema: {
          tags: adminTags,
          security,
          summary: 'List sagas that need attention (orders:admin)',
          description:
            'Sagas that could not progress after ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS attempts where they can no ' +
            'longer be undone (a capture, a refund, a compensation step): they are no longer retried. Each order ' +
            'carries `saga.needsAttention` (since when, the last failure). Replay one with POST …/{id}/replay.',
          querystring: SagaListQuery,
          response: { 200: SagaListSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
        },
      },
      async (request) => ({
        items: (await listParkedSagas(deps, request.query)).map(toOrderView),
      }),
    );

    app.post(
      '/admin/sagas/:id/replay',
      {
        preHandler: admin,
        schema: {
          tags: adminTags,
          security,
          summary: 'Replay a saga that needs attention (orders:admin)',
          description:
            'Drives the parked saga again from the step that kept failing, with a fresh attempt count: 200 with the ' +
            'order once the saga finished, 202 with `Location` while it is still running or scheduled for a retry. ' +
            '404 ORDERS.NOT_FOUND; 409 ORDERS.SAGA_NOT_PARKED when the saga does not need attention.',
          params: OrderIdParams,
          response: {
            200: OrderSchema,
            202: OrderSchema,
            401: ProblemSchema,
            403: ProblemSchema,
            404: ProblemSchema,
            409: ProblemSchema,
          },
        },
      },
      async (request, reply) => {
        const result = await replayParkedSaga(deps, request.params.id);
        if (!result.finished) reply.header('location', location(result.order));
        return reply.status(result.finished ? 200 : 202).send(toOrderView(result.order));
      },
    );
  };
}
