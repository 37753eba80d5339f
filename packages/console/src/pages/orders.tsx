import { useEffect, useState } from 'preact/hooks';
import type { paths } from '@polyshop/client';
import { api } from '../session.ts';
import { callApi } from '../call-api.ts';
import { formatTime } from '../format.ts';
import '../pages.css';
import '../operations.css';

type OrderList = paths['/orders/']['get']['responses'][200]['content']['application/json'];
type Order = OrderList['items'][number];
type Timeline = paths['/orders/{id}/saga']['get']['responses'][200]['content']['application/json'];
type Payment = paths['/payments/{id}']['get']['responses'][200]['content']['application/json'];
type Notification =
  paths['/notifications/']['get']['responses'][200]['content']['application/json']['items'][number];
type OrdersQuery = NonNullable<paths['/orders/']['get']['parameters']['query']>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the search box holds, as `GET /orders` filters: an order number (`ORD-100042`), a customer's
 * email, or a customer's user id (a UUID; an order id opens that order).
 */
function queryOf(text: string): OrdersQuery {
  const value = text.trim();
  if (/^ord-/i.test(value)) return { orderNumber: value };
  if (value.includes('@')) return { email: value };
  return { userId: value };
}

/**
 * Orders for staff (`orders:read`; payments and notifications need `payments:read` and
 * `notifications:read`): search by number or customer, then one order's lines and totals, its saga
 * timeline (`GET /orders/{id}/saga`), its payment with the audit trail, and the notifications sent
 * for it. Read-only.
 */
export function OrdersPage(props: { onExpired: () => void }) {
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Order[]>();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<Order>();

  async function find(event: Event) {
    event.preventDefault();
    setError(undefined);
    setOpen(undefined);
    const text = search.trim();
    if (!text) return setError('Type an order number, a customer email or a user id.');
    if (UUID.test(text)) {
      const one = await callApi(props.onExpired, () =>
        api.GET('/orders/{id}', { params: { path: { id: text } } }),
      );
      if (one.ok) {
        setFound([one.data]);
        return setOpen(one.data);
      }
    }
    const answer = await callApi(props.onExpired, () =>
      api.GET('/orders/', { params: { query: { ...queryOf(text), limit: 50 } } }),
    );
    if (!answer.ok) return setError(answer.text);
    setFound(answer.data.items);
    if (answer.data.items.length === 1) setOpen(answer.data.items[0]);
  }

  return (
    <>
      <form class="toolbar" role="search" onSubmit={(event) => void find(event)}>
        <div class="field">
          <label for="order-search">Order number, customer email or user id</label>
          <input
            id="order-search"
            type="search"
            size={40}
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
        <button type="submit">Find</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status">
        {found === undefined
          ? ''
          : found.length === 0
            ? 'No order found.'
            : `${found.length} order${found.length === 1 ? '' : 's'} found.`}
      </p>
      {found && found.length > 1 && <OrderTable orders={found} onOpen={setOpen} />}
      {open && <OrderDetails key={open.id} order={open} onExpired={props.onExpired} />}
    </>
  );
}

function OrderTable(props: { orders: Order[]; onOpen: (order: Order) => void }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="orders-caption">
      <table>
        <caption id="orders-caption">Orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Customer</th>
            <th scope="col">Status</th>
            <th scope="col" class="number">
              Total
            </th>
            <th scope="col">Placed</th>
          </tr>
        </thead>
        <tbody>
          {props.orders.map((order) => (
            <tr key={order.id}>
              <th scope="row">
                <button type="button" class="secondary" onClick={() => props.onOpen(order)}>
                  {order.orderNumber}
                </button>
              </th>
              <td>{order.customer.email ?? order.userId}</td>
              <td>{order.status}</td>
              <td class="number">
                {order.total} {order.currency}
              </td>
              <td>{new Date(order.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What an order's panels read, each on its own: a refusal (403) of one leaves the others shown. */
interface Related {
  timeline?: Timeline | string;
  payments?: Payment[] | string;
  notifications?: Notification[] | string;
}

function OrderDetails(props: { order: Order; onExpired: () => void }) {
  const { order } = props;
  const [related, setRelated] = useState<Related>({});
  useEffect(() => {
    let stopped = false;
    const put = (part: Related) => !stopped && setRelated((before) => ({ ...before, ...part }));
    void callApi(props.onExpired, () =>
      api.GET('/orders/{id}/saga', { params: { path: { id: order.id } } }),
    ).then((answer) => put({ timeline: answer.ok ? answer.data : answer.text }));
    void readPayments(order, props.onExpired).then((payments) => put({ payments }));
    void callApi(props.onExpired, () =>
      api.GET('/notifications/', { params: { query: { userId: order.userId, limit: 200 } } }),
    ).then((answer) =>
      put({
        notifications: answer.ok
          ? answer.data.items.filter(
              (notification) => notification.template.variables['orderNumber'] === order.orderNumber,
            )
          : answer.text,
      }),
    );
    return () => {
      stopped = true;
    };
  }, [order.id]);

  return (
    <section aria-labelledby="order-title">
      <h2 id="order-title">
        Order {order.orderNumber} <span class="muted">({order.status})</span>
      </h2>
      <dl class="facts">
        <dt>Customer</dt>
        <dd>
          {order.customer.name ? `${order.customer.name}, ` : ''}
          {order.customer.email ?? 'no email'} <span class="muted">user {order.userId}</span>
        </dd>
        <dt>Placed</dt>
        <dd>{new Date(order.createdAt).toLocaleString()}</dd>
        {order.reasonCode && (
          <>
            <dt>Reason</dt>
            <dd>
              {order.reasonCode}
              {order.failure?.message && `: ${order.failure.message}`}
            </dd>
          </>
        )}
        <dt>Ships to</dt>
        <dd>
          {order.shippingAddress.city}, {order.shippingAddress.country} (region {order.region})
        </dd>
      </dl>
      <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="lines-caption">
        <table>
          <caption id="lines-caption">Lines and totals ({order.currency})</caption>
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Product</th>
              <th scope="col" class="number">
                Quantity
              </th>
              <th scope="col" class="number">
                Unit price
              </th>
              <th scope="col" class="number">
                Line total
              </th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((item) => (
              <tr key={item.sku}>
                <td>{item.sku}</td>
                <td>{item.name}</td>
                <td class="number">{item.quantity}</td>
                <td class="number">{item.unitPrice}</td>
                <td class="number">{item.lineTotal}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            {(
              [
                ['Subtotal', order.subtotal],
                ['Tax', order.tax],
                ['Shipping', order.shipping],
                ['Total', order.total],
              ] as const
            ).map(([name, amount]) => (
              <tr key={name}>
                <th scope="row" colSpan={4}>
                  {name}
                </th>
                <td class="number">{amount}</td>
              </tr>
            ))}
          </tfoot>
        </table>
      </div>
      <SagaTimeline timeline={related.timeline} />
      <Payments payments={related.payments} />
      <Notifications notifications={related.notifications} />
    </section>
  );
}

async function readPayments(order: Order, onExpired: () => void): Promise<Payment[] | string> {
  const list = await callApi(onExpired, () =>
    api.GET('/payments/', { params: { query: { orderId: order.id } } }),
  );
  if (!list.ok) return list.text;
  const details: Payment[] = [];
  for (const payment of list.data) {
    const one = await callApi(onExpired, () =>
      api.GET('/payments/{id}', { params: { path: { id: payment.id } } }),
    );
    if (!one.ok) return one.text;
    details.push(one.data);
  }
  return details;
}

function SagaTimeline(props: { timeline: Timeline | string | undefined }) {
  const { timeline } = props;
  return (
    <>
      <h3 id="saga-title">Saga timeline</h3>
      {timeline === undefined ? (
        <p>Reading the saga…</p>
      ) : typeof timeline === 'string' ? (
        <p class="error">{timeline}</p>
      ) : (
        <ol class="timeline" aria-labelledby="saga-title">
          {timeline.steps.map((step, index) => (
            <li key={index}>
              <time dateTime={step.at}>{formatTime(new Date(step.at))}</time>{' '}
              {step.kind === 'state' && (
                <>
                  {step.from ? `${step.from} → ` : ''}
                  <strong>{step.to}</strong>
                </>
              )}
              {step.kind === 'retry' && (
                <>
                  retry of {step.to}, attempt {step.attempts}
                  {step.nextAttemptAt && ` due ${formatTime(new Date(step.nextAttemptAt))}`}
                </>
              )}
              {step.kind === 'parked' && (
                <>
                  <strong>parked</strong> at {step.to} after {step.attempts} attempts (needs attention)
                </>
              )}
              {step.kind === 'resumed' && <>replayed from {step.to}</>}
              {step.reasonCode && (
                <span class="muted">
                  {' '}
                  — {step.reasonCode}
                  {step.message && `: ${step.message}`}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function Payments(props: { payments: Payment[] | string | undefined }) {
  const { payments } = props;
  return (
    <>
      <h3>Payment</h3>
      {payments === undefined ? (
        <p>Reading the payment…</p>
      ) : typeof payments === 'string' ? (
        <p class="error">{payments}</p>
      ) : payments.length === 0 ? (
        <p>No payment for this order.</p>
      ) : (
        payments.map((payment) => (
          <div key={payment.id}>
            <p>
              {payment.amount} {payment.currency} by {payment.method}
              {payment.card && ` (${payment.card.brand} ending ${payment.card.last4})`}:{' '}
              <strong>{payment.status}</strong>; captured {payment.capturedAmount}, refunded{' '}
              {payment.refundedAmount}
              {payment.reasonCode && ` — ${payment.reasonCode}`}
            </p>
            <div class="table-scroll" tabIndex={0} role="region" aria-labelledby={`audit-${payment.id}`}>
              <table>
                <caption id={`audit-${payment.id}`}>Audit log of payment {payment.id}</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">From</th>
                    <th scope="col">To</th>
                    <th scope="col">Reason</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {payment.auditTrail.map((entry, index) => (
                    <tr key={index}>
                      <td>{formatTime(new Date(entry.createdAt))}</td>
                      <td>{entry.oldStatus ?? '–'}</td>
                      <td>{entry.newStatus}</td>
                      <td class="wrap">{entry.reason}</td>
                      <td>{entry.actor}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))
      )}
    </>
  );
}

function Notifications(props: { notifications: Notification[] | string | undefined }) {
  const { notifications } = props;
  return (
    <>
      <h3 id="notifications-title">Notifications sent</h3>
      {notifications === undefined ? (
        <p>Reading the notifications…</p>
      ) : typeof notifications === 'string' ? (
        <p class="error">{notifications}</p>
      ) : notifications.length === 0 ? (
        <p>No notification for this order yet.</p>
      ) : (
        <ul aria-labelledby="notifications-title">
          {notifications.map((notification) => (
            <li key={notification.id}>
              {notification.type} ({notification.status}),{' '}
              {notification.channels
                .map((channel) => `${channel.type} ${channel.status}${channel.to ? ` to ${channel.to}` : ''}`)
                .join('; ')}
              , {formatTime(new Date(notification.createdAt))}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
