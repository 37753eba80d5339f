import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, createLogger, newId, type EventEnvelope } from '@polyshop/kernel';
import { eventually, postgresTargets } from '@polyshop/testing';
import { createTestPlatform, userWithPermissions, type TestPlatform } from '@polyshop/platform/testing';
import type { PaymentsClient } from '../../src/payments-client.ts';
import { PaymentsHttpClient } from '../../src/payments-client.ts';
import { aPaymentRequest, CARDS, withCard } from '../fixtures/payment-builders.ts';

/** Everything the platform logged, one parsed JSON object per line. */
const logLines: string[] = [];
const logDestination = { write: (line: string) => void logLines.push(line) };

for (const target of postgresTargets()) {
  describe(`payments over HTTP on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let writer: { userId: string; token: string };
    let reader: string;
    let nobody: string;
    const events: EventEnvelope[] = [];

    const call = (
      method: 'GET' | 'POST',
      url: string,
      options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) =>
      platform.app.inject({
        method,
        url,
        ...(options.body !== undefined ? { payload: options.body as object } : {}),
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      });
    const pay = (body: unknown, key: string | null = newId(), token = writer.token) =>
      call('POST', '/payments', { token, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
    const expectProblem = (
      response: Awaited<ReturnType<typeof call>>,
      status: number,
      code: string,
      field?: string,
    ) => {
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, code, response.body);
      if (field !== undefined) assert.equal(response.json().field, field, response.body);
    };

    before(async () => {
      platform = await createTestPlatform({
        target: target.name,
        services: ['users', 'payments'],
        // No order service here: payments are made for made-up order ids.
        env: { PAYMENTS_ORDER_CHECK: 'off' },
        logger: createLogger({ level: 'trace', destination: logDestination }),
      });
      await platform.bus.subscribe({
        consumer: `test.payments.${target.name}`,
        types: ['*'],
        handler: async (event) => void events.push(event),
      });
      writer = await userWithPermissions(platform, ['payments:write', 'payments:read']);
      reader = (await userWithPermissions(platform, ['payments:read'])).token;
      nobody = (await userWithPermissions(platform, [])).token;
    });
    after(() => platform?.dispose());

    it('guards the routes: 401 without a token, 403 without payments:write or payments:read', async () => {
      expectProblem(
        await call('POST', '/payments', { body: aPaymentRequest(), headers: { 'idempotency-key': newId() } }),
        401,
        'AUTH.TOKEN_MISSING',
      );
      expectProblem(await pay(aPaymentRequest(), newId(), reader), 403, 'AUTH.FORBIDDEN');
      expectProblem(await call('GET', `/payments/${newId()}`, { token: nobody }), 403, 'AUTH.FORBIDDEN');
      expectProblem(
        await call('GET', '/payments/reports/revenue?from=2026-01&to=2026-12', { token: nobody }),
        403,
        'AUTH.FORBIDDEN',
      );
      expectProblem(await call('GET', `/payments/${newId()}`, { token: reader }), 404, 'PAYMENT.NOT_FOUND');
    });

    it('POST /payments: 201 {id, status}; the same key and body replays it; another body is a 409', async () => {
      const body = aPaymentRequest();
      const key = newId();
      const first = await pay(body, key);
      assert.equal(first.statusCode, 201, first.body);
      const payment = first.json();
      assert.equal(payment.status, 'authorized');
      assert.match(payment.id, /^[0-9a-f-]{36}$/);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await pay(body, key);
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json(), payment);
      expectProblem(
        await pay({ ...body, amount: '99.00' }, key),
        409,
        'PAYMENT.IDEMPOTENCY_KEY_REUSED',
        'Idempotency-Key',
      );
      const list = await call('GET', `/payments?orderId=${body.orderId}`, { token: reader });
      assert.deepEqual(
        list.json().map((p: { id: string }) => p.id),
        [payment.id],
      );
    });

    it('answers bad input with 400 naming the field', async () => {
      expectProblem(
        await pay(aPaymentRequest(), null),
        400,
        'PAYMENT.IDEMPOTENCY_KEY_REQUIRED',
        'Idempotency-Key',
      );
      expectProblem(
        await pay(aPaymentRequest(withCard('4242424242424241'))),
        400,
        'PAYMENT.INVALID_CARD_NUMBER',
        'card.number',
      );
      expectProblem(
        await pay(
          aPaymentRequest({ card: { number: CARDS.success, expMonth: 1, expYear: 2020, cvc: '123' } }),
        ),
        400,
        'PAYMENT.INVALID_CARD_EXPIRY',
        'card.expYear',
      );
      expectProblem(
        await pay({ ...aPaymentRequest(), amount: 21.59 }),
        400,
        'MONEY.INVALID_AMOUNT',
        'amount',
      );
      expectProblem(await pay(aPaymentRequest({ amount: '21.599' })), 400, 'MONEY.TOO_PRECISE', 'amount');
      expectProblem(
        await pay(aPaymentRequest({ currency: 'ABC' })),
        400,
        'MONEY.INVALID_CURRENCY',
        'currency',
      );
      expectProblem(
        await pay({ ...aPaymentRequest(), cardholder: 'x' }),
        400,
        'REQUEST.VALIDATION',
        'cardholder',
      );
      expectProblem(
        await pay(aPaymentRequest({ token: 'tok_visa' })),
        400,
        'PAYMENT.INSTRUMENT_REQUIRED',
        'card',
      );
      expectProblem(
        await call('GET', '/payments/not-a-uuid', { token: reader }),
        400,
        'REQUEST.VALIDATION',
        'id',
      );
    });

    it('a declined card is 201 with status failed and the reason code', async () => {
      const response = await pay(aPaymentRequest(withCard(CARDS.insufficientFunds)));
      assert.equal(response.statusCode, 201, response.body);
      assert.deepEqual(
        [response.json().status, response.json().reasonCode],
        ['failed', 'PAYMENT.INSUFFICIENT_FUNDS'],
      );
    });

    it('captures, refunds and shows the audit trail with actor and ip; illegal transitions are 409', async () => {
      const { id } = (await pay(aPaymentRequest({ amount: '80.00' }))).json();
      const captured = await call('POST', `/payments/${id}/capture`, { token: writer.token });
      assert.equal(captured.statusCode, 200, captured.body);
      assert.equal(captured.json().status, 'captured');
      assert.equal(
        (await call('POST', `/payments/${id}/capture`, { token: writer.token })).json().status,
        'captured',
      );
      expectProblem(
        await call('POST', `/payments/${id}/void`, { token: writer.token }),
        409,
        'PAYMENT.ILLEGAL_TRANSITION',
      );
      const refund = await call('POST', `/payments/${id}/refunds`, {
        token: writer.token,
        body: { amount: '30.00', reason: 'damaged' },
      });
      assert.equal(refund.statusCode, 201, refund.body);
      assert.deepEqual(
        [refund.json().refund.amount, refund.json().payment.status, refund.json().payment.refundableAmount],
        ['30.00', 'partially_refunded', '50.00'],
      );
      expectProblem(
        await call('POST', `/payments/${id}/refunds`, {
          token: writer.token,
          body: { amount: '50.01', reason: 'x' },
        }),
        409,
        'PAYMENT.REFUND_EXCEEDS_CAPTURED',
        'amount',
      );
      expectProblem(
        await call('POST', `/payments/${id}/refunds`, {
          token: writer.token,
          body: { amount: 5, reason: 'x' },
        }),
        400,
        'MONEY.INVALID_AMOUNT',
        'amount',
      );
      const details = await call('GET', `/payments/${id}`, { token: reader });
      assert.equal(details.statusCode, 200, details.body);
      const trail = details.json().auditTrail as {
        oldStatus: string | null;
        newStatus: string;
        actor: string;
        ip?: string;
      }[];
      assert.deepEqual(
        trail.map((e) => [e.oldStatus, e.newStatus]),
        [
          [null, 'pending'],
          ['pending', 'authorized'],
          ['authorized', 'captured'],
          ['captured', 'partially_refunded'],
        ],
      );
      assert.ok(
        trail.every((e) => e.actor === writer.userId && e.ip === '127.0.0.1'),
        JSON.stringify(trail),
      );
      assert.deepEqual(
        details.json().refunds.map((r: { amount: string }) => r.amount),
        ['30.00'],
      );
    });

    it('voids an authorized payment; voiding again returns it', async () => {
      const { id } = (await pay(aPaymentRequest())).json();
      const voided = await call('POST', `/payments/${id}/void`, { token: writer.token });
      assert.equal(voided.json().status, 'voided');
      assert.deepEqual(
        (await call('POST', `/payments/${id}/void`, { token: writer.token })).json(),
        voided.json(),
      );
      expectProblem(
        await call('POST', `/payments/${id}/capture`, { token: writer.token }),
        409,
        'PAYMENT.ILLEGAL_TRANSITION',
      );
    });

    it('reports revenue and names the bad parameter', async () => {
      const { id } = (await pay(aPaymentRequest({ amount: '12.34' }))).json();
      await call('POST', `/payments/${id}/capture`, { token: writer.token });
      const report = await call(
        'GET',
        '/payments/reports/revenue?from=2000-01&to=2099-12&groupBy=month,method,region',
        { token: reader },
      );
      assert.equal(report.statusCode, 200, report.body);
      const rows = report.json().rows as { captured: string; refunded: string; currency: string }[];
      assert.ok(rows.length >= 1);
      assert.ok(rows.every((row) => row.currency === 'USD' && /^\d+\.\d{2}$/.test(row.captured)));
      expectProblem(
        await call('GET', '/payments/reports/revenue?from=2026-13&to=2026-12', { token: reader }),
        400,
        'PAYMENT.INVALID_MONTH',
        'from',
      );
      expectProblem(
        await call('GET', '/payments/reports/revenue?from=2026-01&to=2026-12&groupBy=country', {
          token: reader,
        }),
        400,
        'PAYMENT.INVALID_GROUP_BY',
        'groupBy',
      );
      expectProblem(
        await call('GET', '/payments/reports/revenue?to=2026-12', { token: reader }),
        400,
        'REQUEST.VALIDATION',
        'from',
      );
    });

    it('publishes payment events on the bus', async () => {
      const { id } = (await pay(aPaymentRequest())).json();
      await call('POST', `/payments/${id}/capture`, { token: writer.token });
      await eventually(() => events.some((e) => e.type === 'payment.captured' && e.aggregateId === id), {
        message: `payment.captured of ${id}`,
      });
      assert.deepEqual(
        events.filter((e) => e.aggregateId === id).map((e) => e.type),
        ['payment.authorized', 'payment.captured'],
      );
    });

    it('the HTTP client behaves like the in-process client', async () => {
      const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const http: PaymentsClient = new PaymentsHttpClient(address, { internalToken: () => writer.token });
      const local = platform.client('payments');
      const orderId = newId();
      const authorized = await http.authorize({ ...aPaymentRequest({ orderId }), idempotencyKey: orderId });
      assert.equal(authorized.status, 'authorized');
      assert.deepEqual(
        await local.authorize({ ...aPaymentRequest({ orderId }), idempotencyKey: orderId }),
        authorized,
      );
      assert.equal((await http.capture(authorized.id)).status, 'captured');
      assert.equal((await local.capture(authorized.id)).status, 'captured');
      const refunded = await http.refund(authorized.id, { amount: '1.59', reason: 'coupon' });
      assert.equal(refunded.payment.refundedAmount, '1.59');
      assert.deepEqual((await http.get(authorized.id)).refunds, (await local.get(authorized.id)).refunds);
      assert.deepEqual(await http.findByOrder(orderId), await local.findByOrder(orderId));
      await assert.rejects(
        http.void(authorized.id),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'PAYMENT.ILLEGAL_TRANSITION' &&
          error.kind === 'conflict',
      );
      await assert.rejects(
        local.void(authorized.id),
        (error: unknown) => error instanceof AppError && error.code === 'PAYMENT.ILLEGAL_TRANSITION',
      );
      const declined = await local.authorize({
        ...aPaymentRequest(withCard(CARDS.declined)),
        idempotencyKey: newId(),
      });
      assert.deepEqual([declined.status, declined.reasonCode], ['failed', 'PAYMENT.DECLINED']);
      const audit = (await local.get(declined.id)).auditTrail;
      assert.ok(
        audit.every((entry) => entry.actor === 'system'),
        'in-process calls are audited as system',
      );
    });

    it('never logs a card number or CVC', async () => {
      await pay(
        aPaymentRequest({ card: { number: '4000000000000119', expMonth: 11, expYear: 2031, cvc: '987' } }),
      );
      await pay(
        aPaymentRequest({ card: { number: '4000000000000119', expMonth: 11, expYear: 2031, cvc: '98' } }),
      );
      await pay({
        ...aPaymentRequest(),
        card: { number: '4000000000000119', expMonth: 11, expYear: 2031, cvc: '987', pin: '1' },
      });
      assert.ok(logLines.length > 10, 'the platform logged the requests');
      const text = logLines.join('');
      for (const number of [CARDS.success, '4000000000000119', '4242424242424241', '4000000000009995']) {
        assert.ok(!text.includes(number), `card number ${number} is in the logs`);
      }
      const leaks: string[] = [];
      const walk = (value: unknown, path: string) => {
        if (value && typeof value === 'object') {
          for (const [key, child] of Object.entries(value)) {
            if (
              (key === 'cvc' || key === 'card' || key === 'number') &&
              child !== '[redacted]' &&
              typeof child !== 'number'
            )
              leaks.push(`${path}.${key}`);
            walk(child, `${path}.${key}`);
          }
        }
      };
      for (const line of logLines) walk(JSON.parse(line), '');
      assert.deepEqual(leaks, []);
    });
  });
}

describe('payments with the sandbox configured from the environment (PGlite)', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await createTestPlatform({
      target: 'pglite',
      services: ['users', 'payments'],
      env: {
        PAYMENTS_SANDBOX_FAILURE_RATE: '1',
        PAYMENTS_GATEWAY_ATTEMPTS: '2',
        PAYMENTS_ORDER_CHECK: 'off',
      },
    });
  });
  after(() => platform?.dispose());

  it('a gateway that always fails: 503 PAYMENT.GATEWAY_UNAVAILABLE, and the payment stays pending', async () => {
    const { token } = await userWithPermissions(platform, ['payments:write', 'payments:read']);
    const body = aPaymentRequest();
    const response = await platform.app.inject({
      method: 'POST',
      url: '/payments',
      payload: body,
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': newId() },
    });
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.json().code, 'PAYMENT.GATEWAY_UNAVAILABLE');
    const list = await platform.app.inject({
      url: `/payments?orderId=${body.orderId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(
      list.json().map((p: { status: string }) => p.status),
      ['pending'],
    );
  });
});
