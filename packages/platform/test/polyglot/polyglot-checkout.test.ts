import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { userWithPermissions } from '@polyshop/platform/testing';
import { CARDS, checkoutBody, paymentsOf } from '../../../services/orders/test/fixtures/checkout-platform.ts';
import { eventually } from '@polyshop/testing';
import { recipients, SmtpSink } from '../../../services/notifications/test/support/smtp-sink.ts';
import { polyglotTargets, startPolyglotPlatform, type PolyglotPlatform } from './polyglot-stores.ts';

/** What this suite reads of a product document in MongoDB (prices are BSON Decimal128). */
interface StoredProduct {
  _id: string;
  name: string;
  basePrice: { _bsontype: string; toString(): string };
  variants: { sku: string }[];
}

interface SearchHit {
  id: string;
  name: string;
  price: string;
  inStock: boolean;
}

for (const target of polyglotTargets()) {
  describe(
    `checkout in the polyglot profile (users, orders, payments on ${target.name})`,
    { skip: target.skip },
    () => {
      const suffix = randomBytes(4).toString('hex');
      const sku = `AURORA-${suffix}`.toUpperCase();
      const category = `lanterns-${suffix}`;
      let smtp: SmtpSink;
      let poly: PolyglotPlatform;
      let merchant: string;
      let customer: { userId: string; email: string; token: string };
      let productId: string;

      before(async () => {
        smtp = await SmtpSink.start();
        poly = await startPolyglotPlatform(target, {
          SMTP_URL: smtp.url,
          SMTP_FROM: 'polyshop <orders@polyshop.test>',
          NOTIFICATIONS_POLL_MS: '50',
        });
        merchant = (await userWithPermissions(poly.platform, ['products:write', 'inventory:write'])).token;
        customer = await userWithPermissions(poly.platform, []);
      });
      after(async () => {
        await poly?.dispose();
        await smtp?.close();
      });

      const call = (
        method: 'GET' | 'POST' | 'PUT',
        url: string,
        token?: string,
        payload?: object,
        headers: Record<string, string> = {},
      ) =>
        poly.platform.app.inject({
          method,
          url,
          ...(payload ? { payload } : {}),
          headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        });
      const placeOrder = (quantity: number, card = CARDS.ok) =>
        call('POST', '/orders', customer.token, checkoutBody([{ sku, quantity }], card), {
          'idempotency-key': randomUUID(),
        });
      /** The product's hit for `?q=aurora` once it satisfies `ready` (the index follows events). */
      const searchHit = (ready: (hit: SearchHit) => boolean, what: string) =>
        eventually(
          async () => {
            const response = await call('GET', `/search/products?q=aurora&category=${category}`);
            assert.equal(response.statusCode, 200, response.body);
            const hit = (response.json().hits as SearchHit[]).find((h) => h.id === productId);
            return hit && ready(hit) ? hit : undefined;
          },
          { message: what },
        );

      it('keeps the catalogue in MongoDB, stock in DynamoDB and the searchable product in OpenSearch', async () => {
        const created = await call('POST', '/products/categories', merchant, {
          slug: category,
          name: 'Lanterns',
        });
        assert.equal(created.statusCode, 201, created.body);
        const product = await call('POST', '/products', merchant, {
          name: 'Aurora Lantern',
          description: 'A brass storm lantern.',
          category,
          currency: 'USD',
          basePrice: '24.50',
          status: 'active',
          variants: [{ sku, price: '24.50' }],
        });
        assert.equal(product.statusCode, 201, product.body);
        productId = product.json().id;

        const stored = await poly.mongo.collection<StoredProduct>('products').findOne({ _id: productId });
        assert.equal(stored?.name, 'Aurora Lantern');
        assert.equal(stored?.basePrice._bsontype, 'Decimal128');
        assert.equal(stored?.basePrice.toString(), '24.50');
        assert.deepEqual(
          stored?.variants.map((v) => v.sku),
          [sku],
        );
        assert.ok(
          await poly.mongo.collection<{ _id: string }>('categories').findOne({ _id: category }),
          'the category document',
        );

        const stock = await call('PUT', `/inventory/${sku}`, merchant, {
          quantity: 3,
          reason: 'first delivery',
        });
        assert.equal(stock.statusCode, 201, stock.body);
        assert.deepEqual(await poly.stockItem(sku), { quantity: 3, reserved: 0, available: 3 });

        const hit = await searchHit((h) => h.inStock, 'the product in search, in stock');
        assert.deepEqual([hit.name, hit.price], ['Aurora Lantern', '24.50']);
        const indexed = await poly.opensearch.get({ index: poly.productIndex, id: productId });
        assert.equal(
          (indexed.body._source as { name: string }).name,
          'Aurora Lantern',
          'the search document is in OpenSearch',
        );
      });

      it('confirms a card checkout: payment captured, stock taken in DynamoDB, confirmation emailed and recorded in MongoDB', async () => {
        const response = await placeOrder(2);
        assert.equal(response.statusCode, 201, response.body);
        const order = response.json<{
          id: string;
          orderNumber: string;
          status: string;
          subtotal: string;
          tax: string;
          shipping: string;
          total: string;
        }>();
        assert.equal(order.status, 'confirmed', response.body);
        // 24.50 × 2 from the MongoDB catalogue, 8.25 % US tax, flat shipping: exact decimals end to end
        assert.deepEqual(
          [order.subtotal, order.tax, order.shipping, order.total],
          ['49.00', '4.04', '5.00', '58.04'],
        );

        const payments = await paymentsOf(poly.platform).findByOrder(order.id);
        assert.deepEqual(
          payments.map((p) => [p.status, p.amount, p.currency]),
          [['captured', '58.04', 'USD']],
        );
        assert.deepEqual(await poly.stockItem(sku), { quantity: 1, reserved: 0, available: 1 });
        assert.equal(await poly.reservationStatus(order.id), 'committed');

        const mail = await smtp.waitFor(
          (m) => m.subject === `Order Confirmed - ${order.orderNumber}`,
          `the confirmation email of ${order.orderNumber}`,
        );
        assert.deepEqual(recipients(mail), [customer.email]);
        assert.match(mail.text ?? '', /Total: 58\.04 USD/);
        assert.match(mail.text ?? '', /Aurora Lantern/);
        const record = await eventually(
          async () => {
            const doc = await poly.mongo
              .collection('notifications_records')
              .findOne({ type: 'order_confirmation', 'template.variables.orderNumber': order.orderNumber });
            return doc?.status === 'sent' ? doc : undefined;
          },
          { message: 'the sent notification record in MongoDB' },
        );
        assert.equal(record.recipient.userId, customer.userId);
        const email = (record.channels as { type: string; status: string; messageId?: string }[]).find(
          (c) => c.type === 'email',
        );
        assert.deepEqual([email?.status, email?.messageId], ['sent', mail.messageId]);
      });

      it('fails a declined card with nothing reserved or charged', async () => {
        const before = await poly.stockItem(sku);
        const response = await placeOrder(1, CARDS.declined);
        assert.equal(response.statusCode, 201, response.body);
        const order = response.json<{ id: string; status: string; reasonCode: string }>();
        assert.deepEqual([order.status, order.reasonCode], ['failed', 'PAYMENT.DECLINED']);
        assert.deepEqual(await poly.stockItem(sku), before);
        assert.equal(await poly.reservationStatus(order.id), 'released');
        assert.deepEqual(
          (await paymentsOf(poly.platform).findByOrder(order.id)).map((p) => p.status),
          ['failed'],
        );
        const detail = await call('GET', `/orders/${order.id}`, customer.token);
        assert.equal(detail.json().status, 'failed');
      });

      it('sells the last unit: stock 0 in DynamoDB, and search follows it to inStock false', async () => {
        const response = await placeOrder(1);
        assert.equal(response.json().status, 'confirmed', response.body);
        assert.deepEqual(await poly.stockItem(sku), { quantity: 0, reserved: 0, available: 0 });
        await searchHit((h) => !h.inStock, 'the product out of stock in search');
        // search is fed by events (eventually consistent): the in-stock filter settles on no hits
        await eventually(
          async () => {
            const inStock = await call('GET', `/search/products?q=aurora&category=${category}&inStock=true`);
            return inStock.json().hits.length === 0 ? true : undefined;
          },
          { message: 'the in-stock filter without the sold-out product' },
        );

        const soldOut = await placeOrder(1);
        assert.deepEqual(
          [soldOut.json().status, soldOut.json().reasonCode],
          ['failed', 'INVENTORY.INSUFFICIENT_STOCK'],
        );
        assert.deepEqual(await paymentsOf(poly.platform).findByOrder(soldOut.json().id), []);
      });
    },
  );
}
