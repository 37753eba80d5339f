import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@polyshop/kernel';
import { ProblemSchema, type Authorizer } from '@polyshop/http';
import { adjustStock } from '../app/adjust-stock.ts';
import { commitReservation } from '../app/commit-reservation.ts';
import type { InventoryDeps } from '../app/inventory-deps.ts';
import { toAdjustmentView, toReservationView, toStockView } from '../app/inventory-views.ts';
import {
  findStocks,
  getReservation,
  getStock,
  listActiveReservations,
  listAdjustments,
} from '../app/read-inventory.ts';
import { releaseReservation } from '../app/release-reservation.ts';
import { reserveStock } from '../app/reserve-stock.ts';
import { returnReservation } from '../app/return-reservation.ts';
import { setStock } from '../app/set-stock.ts';
import { getStockShards, shardStock } from '../app/shard-stock.ts';
import {
  AdjustmentListSchema,
  AdjustmentsQuery,
  AdjustStockBody,
  ReservationListSchema,
  ReservationParams,
  ReservationSchema,
  ReserveBody,
  ReturnBody,
  SetStockBody,
  ShardingBody,
  ShardsSchema,
  SkuParams,
  StockListQuery,
  StockListSchema,
  StockSchema,
} from './inventory-schemas.ts';

const problems = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
};

/**
 * `/inventory`. Stock reads are public (storefronts show availability); reservation and history reads
 * need `inventory:read`; every write needs `inventory:write`. Reservation routes come first so that
 * `reservations` is never taken for a SKU.
 */
export function inventoryRoutes(deps: InventoryDeps, authorizer: Authorizer): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const write = authorizer.authorize('inventory', 'write');
    const read = authorizer.authorize('inventory', 'read');
    const security = [{ bearerAuth: [] }];
    const stockTags = ['inventory'];
    const reservationTags = ['inventory reservations'];

    app.post(
      '/reservations',
      {
        preValidation: write,
        schema: {
          tags: reservationTags,
          security,
          summary: 'Reserve every item or none',
          description:
            'All-or-nothing. 409 INVENTORY.INSUFFICIENT_STOCK lists `shortages` [{sku, requested, available}] (an unknown SKU has 0 available). ' +
            'The same reservationId and body again answers 201 with the reservation as it now is (header idempotent-replayed: true); ' +
            'a different body answers 409 INVENTORY.RESERVATION_MISMATCH.',
          body: ReserveBody,
          response: { 201: ReservationSchema, ...problems },
        },
      },
      async (request, reply) => {
        const result = await reserveStock(deps, request.body);
        if (result.status === 'insufficient_stock') {
          const skus = result.shortages.map((s) => s.sku).join(', ');
          throw AppError.conflict(
            'INVENTORY.INSUFFICIENT_STOCK',
            `Not enough stock for ${skus}; nothing was reserved.`,
            {
              field: 'items',
              details: { shortages: result.shortages },
            },
          );
        }
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        const { reservation } = result;
        return reply
          .status(201)
          .header('location', `/inventory/reservations/${encodeURIComponent(reservation.id)}`)
          .send(toReservationView(reservation));
      },
    );

    app.get(
      '/reservations/:id',
      {
        preValidation: read,
        schema: {
          tags: reservationTags,
          security,
          summary: 'One reservation',
          params: ReservationParams,
          response: { 200: ReservationSchema, ...problems },
        },
      },
      async (request) => toReservationView(await getReservation(deps, request.params.id)),
    );

    app.post(
      '/reservations/:id/commit',
      {
        preValidation: write,
        schema: {
          tags: reservationTags,
          security,
          summary: 'Commit a reservation: its stock leaves (quantity and reserved drop)',
          description:
            'Idempotent. 409 INVENTORY.RESERVATION_EXPIRED once expired, INVENTORY.RESERVATION_RELEASED after a release, ' +
            'INVENTORY.RESERVATION_RETURNED after its stock was returned.',
          params: ReservationParams,
          response: { 200: ReservationSchema, ...problems },
        },
      },
      async (request) => toReservationView(await commitReservation(deps, request.params.id)),
    );

    app.delete(
      '/reservations/:id',
      {
        preValidation: write,
        schema: {
          tags: reservationTags,
          security,
          summary: 'Release a reservation: its stock returns',
          description:
            'Idempotent; releasing an expired or returned reservation changes nothing. 409 INVENTORY.RESERVATION_COMMITTED after a commit ' +
            '(POST …/return puts committed stock back).',
          params: ReservationParams,
          response: { 200: ReservationSchema, ...problems },
        },
      },
      async (request) => toReservationView(await releaseReservation(deps, request.params.id)),
    );

    app.post(
      '/reservations/:id/return',
      {
        preValidation: write,
        schema: {
          tags: reservationTags,
          security,
          summary:
            "Return a committed reservation's stock to the shelf (an order cancelled after its stock left)",
          description:
            "Atomic: the reservation becomes `returned` and every SKU's quantity rises by its units, each recorded in the adjustment history " +
            '(kind return, with the reason). Idempotent: returning it again changes nothing and answers the same reservation. ' +
            '409 INVENTORY.RESERVATION_NOT_COMMITTED for an active, released or expired reservation; INVENTORY.QUANTITY_TOO_LARGE when a SKU would exceed the maximum.',
          params: ReservationParams,
          body: ReturnBody,
          response: { 200: ReservationSchema, ...problems },
        },
      },
      async (request) =>
        toReservationView(
          await returnReservation(deps, request.params.id, {
            ...request.body,
            actor: request.principal?.userId,
          }),
        ),
    );

    app.get(
      '/',
      {
        schema: {
          tags: stockTags,
          summary: 'Stock of several SKUs (?skus=a,b,c)',
          querystring: StockListQuery,
          response: { 200: StockListSchema, ...problems },
        },
      },
      async (request) => {
        const { items, missing } = await findStocks(
          deps,
          request.query.skus.split(',').map((sku) => sku.trim()),
        );
        return { items: items.map(toStockView), missing };
      },
    );

    app.get(
      '/:sku',
      {
        schema: {
          tags: stockTags,
          summary: 'Stock of one SKU',
          params: SkuParams,
          response: { 200: StockSchema, ...problems },
        },
      },
      async (request) => toStockView(await getStock(deps, request.params.sku)),
    );

    app.put(
      '/:sku',
      {
        preValidation: write,
        schema: {
          tags: stockTags,
          security,
          summary: 'Set the on-hand quantity (creates the SKU: 201)',
          description:
            '409 INVENTORY.BELOW_RESERVED when below the reserved units. Recorded in the adjustment history.',
          params: SkuParams,
          body: SetStockBody,
          response: { 200: StockSchema, 201: StockSchema, ...problems },
        },
      },
      async (request, reply) => {
        const { stock, created } = await setStock(deps, {
          sku: request.params.sku,
          ...request.body,
          actor: request.principal?.userId,
        });
        return reply.status(created ? 201 : 200).send(toStockView(stock));
      },
    );

    app.post(
      '/:sku/adjust',
      {
        preValidation: write,
        schema: {
          tags: stockTags,
          security,
          summary: 'Move the on-hand quantity by a delta, with a reason',
          description:
            '409 INVENTORY.NEGATIVE_QUANTITY / INVENTORY.BELOW_RESERVED / INVENTORY.QUANTITY_TOO_LARGE; 404 for an unknown SKU.',
          params: SkuParams,
          body: AdjustStockBody,
          response: { 200: StockSchema, ...problems },
        },
      },
      async (request) =>
        toStockView(
          await adjustStock(deps, {
            sku: request.params.sku,
            ...request.body,
            actor: request.principal?.userId,
          }),
        ),
    );

    app.get(
      '/:sku/adjustments',
      {
        preValidation: read,
        schema: {
          tags: stockTags,
          security,
          summary: 'Adjustment history, newest first',
          params: SkuParams,
          querystring: AdjustmentsQuery,
          response: { 200: AdjustmentListSchema, ...problems },
        },
      },
      async (request) => ({
        items: (await listAdjustments(deps, request.params.sku, request.query.limit)).map(toAdjustmentView),
      }),
    );

    app.get(
      '/:sku/reservations',
      {
        preValidation: read,
        schema: {
          tags: reservationTags,
          security,
          summary: "The SKU's active reservations, soonest expiry first",
          description:
            'Read from the active reservations (each lives minutes), not from an index by SKU, so no reservation write pays for it. 404 for an unknown SKU.',
          params: SkuParams,
          querystring: AdjustmentsQuery,
          response: { 200: ReservationListSchema, ...problems },
        },
      },
      async (request) => ({
        items: (await listActiveReservations(deps, request.params.sku, request.query.limit)).map(
          toReservationView,
        ),
      }),
    );

    app.get(
      '/:sku/sharding',
      {
        preValidation: read,
        schema: {
          tags: stockTags,
          security,
          summary: "How the SKU's stock is spread over counters (sharded counters for hot SKUs)",
          params: SkuParams,
          response: { 200: ShardsSchema, ...problems },
        },
      },
      async (request) => getStockShards(deps, request.params.sku),
    );

    app.put(
      '/:sku/sharding',
      {
        preValidation: write,
        schema: {
          tags: stockTags,
          security,
          summary: 'Spread a hot SKU over several counters, or fold it back (shards: 1)',
          description:
            "On DynamoDB a SKU's writes are capped by its item's write rate; N shards give it N counters, each reservation taking from one. " +
            'Stock reads and their shape are unchanged (they add the shards up). Atomic, counts unchanged, available units spread evenly; ' +
            'the same count again evens the spread (idempotent). 404 for an unknown SKU. On PostgreSQL (which coalesces writes to a hot row instead) ' +
            'every SKU is one counter: shards 1 answers as it is, more answers 409 INVENTORY.SHARDING_UNSUPPORTED.',
          params: SkuParams,
          body: ShardingBody,
          response: { 200: ShardsSchema, ...problems },
        },
      },
      async (request) => shardStock(deps, { sku: request.params.sku, shards: request.body.shards }),
    );
  };
}
