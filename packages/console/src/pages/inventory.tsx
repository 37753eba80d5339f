import { useState } from 'preact/hooks';
import type { paths, Problem } from '@polyshop/client';
import { api } from '../session.ts';
import { callApi } from '../call-api.ts';
import { ConfirmDialog } from '../confirm-dialog.tsx';
import { Field } from '../field.tsx';
import { problemByField } from '../problem-fields.ts';
import { formatTime } from '../format.ts';
import '../pages.css';

type Stock = paths['/inventory/{sku}']['get']['responses'][200]['content']['application/json'];
type Adjustment =
  paths['/inventory/{sku}/adjustments']['get']['responses'][200]['content']['application/json']['items'][number];
type Reservation =
  paths['/inventory/reservations/{id}']['get']['responses'][200]['content']['application/json'];
type Errors = Record<string, string>;

const HISTORY = 20;

/** A failed call's errors by the form's field (problem+json), or its sentence as a general error. */
function byField(answer: { text: string; problem?: Problem }, fields: readonly string[]): Errors {
  return answer.problem ? problemByField(answer.problem, fields) : { general: answer.text };
}

/** The value of a named input of the form that was submitted. */
function valueOf(event: SubmitEvent, name: string): string {
  return ((event.currentTarget as HTMLFormElement).elements.namedItem(name) as HTMLInputElement).value.trim();
}

/**
 * A SKU's stock (`GET /inventory/{sku}`: on hand, reserved, available), its active reservations
 * (`GET /inventory/{sku}/reservations`) and adjustment history (`GET /inventory/{sku}/adjustments`), both
 * needing `inventory:read`; a reservation by id
 * (`GET /inventory/reservations/{id}`); and, for `platform:admin`, the on-hand quantity set with a reason
 * after confirming (`PUT /inventory/{sku}`, needs `inventory:write`). Each problem+json answer is shown
 * next to the field it names.
 */
export function InventoryPage(props: { admin: boolean; onExpired: () => void }) {
  const [stock, setStock] = useState<Stock>();
  const [history, setHistory] = useState<Adjustment[] | string>();
  const [holding, setHolding] = useState<Reservation[] | string>();
  const [errors, setErrors] = useState<Errors>({});
  const [reservation, setReservation] = useState<Reservation>();
  const [change, setChange] = useState<{ quantity: number; reason: string }>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);

  /** Runs calls with the buttons disabled. */
  async function calling(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  }

  async function readStock(sku: string) {
    const answer = await callApi(props.onExpired, () =>
      api.GET('/inventory/{sku}', { params: { path: { sku } } }),
    );
    if (!answer.ok) {
      setStock(undefined);
      return setErrors(byField(answer, ['sku']));
    }
    setStock(answer.data);
    const params = { path: { sku }, query: { limit: HISTORY } };
    const [adjustments, reservations] = await Promise.all([
      callApi(props.onExpired, () => api.GET('/inventory/{sku}/adjustments', { params })),
      callApi(props.onExpired, () => api.GET('/inventory/{sku}/reservations', { params })),
    ]);
    setHistory(adjustments.ok ? adjustments.data.items : adjustments.text);
    setHolding(reservations.ok ? reservations.data.items : reservations.text);
  }

  function lookUp(event: SubmitEvent) {
    event.preventDefault();
    const sku = valueOf(event, 'sku');
    setSaved(undefined);
    setErrors({});
    if (!sku) return setErrors({ sku: 'Enter a SKU.' });
    void calling(() => readStock(sku));
  }

  function findReservation(event: SubmitEvent) {
    event.preventDefault();
    const id = valueOf(event, 'reservation');
    setErrors({});
    setReservation(undefined);
    if (!id) return setErrors({ reservation: 'Enter a reservation id.' });
    void calling(async () => {
      const answer = await callApi(props.onExpired, () =>
        api.GET('/inventory/reservations/{id}', { params: { path: { id } } }),
      );
      if (answer.ok) return setReservation(answer.data);
      const found = byField(answer, ['id']);
      setErrors({ reservation: found.id ?? found.general ?? answer.text });
    });
  }

  function askToSet(event: SubmitEvent) {
    event.preventDefault();
    setSaved(undefined);
    const quantity = valueOf(event, 'quantity');
    const reason = valueOf(event, 'reason');
    const found: Errors = {};
    if (!/^-?\d+$/.test(quantity)) found.quantity = 'Enter a whole number of units.';
    if (!reason) found.reason = 'Say why the stock changes (kept in its history).';
    setErrors(found);
    if (Object.keys(found).length === 0) setChange({ quantity: Number(quantity), reason });
  }

  function setQuantity(sku: string, wanted: { quantity: number; reason: string }) {
    setChange(undefined);
    void calling(async () => {
      const answer = await callApi(props.onExpired, () =>
        api.PUT('/inventory/{sku}', { params: { path: { sku } }, body: wanted }),
      );
      if (!answer.ok) return setErrors(byField(answer, ['quantity', 'reason', 'sku']));
      const { data } = answer;
      setSaved(`${data.sku}: on hand ${data.quantity}, available ${data.available}.`);
      await readStock(sku);
    });
  }

  return (
    <>
      <form class="toolbar" onSubmit={lookUp} noValidate>
        <Field name="sku" label="SKU" error={errors.sku} autoComplete="off" spellcheck={false} />
        <button type="submit" disabled={busy}>
          Look up
        </button>
      </form>
      {errors.general && (
        <p role="alert" class="error">
          {errors.general}
        </p>
      )}
      {stock && (
        <section aria-labelledby="stock-heading">
          <h2 id="stock-heading">
            Stock of <code>{stock.sku}</code>
          </h2>
          <dl class="figures">
            <div>
              <dt>On hand</dt>
              <dd>{stock.quantity}</dd>
            </div>
            <div>
              <dt>Reserved</dt>
              <dd>{stock.reserved}</dd>
            </div>
            <div>
              <dt>Available</dt>
              <dd>{stock.available}</dd>
            </div>
            <div>
              <dt>In stock</dt>
              <dd>{stock.inStock ? 'Yes' : 'No'}</dd>
            </div>
          </dl>
          <p class="muted">
            Version {stock.version}, changed at {formatTime(new Date(stock.updatedAt))}.
          </p>
          <p role="status" class="summary good">
            {saved}
          </p>
          {props.admin ? (
            <form class="panel" onSubmit={askToSet} noValidate aria-labelledby="set-heading">
              <h3 id="set-heading">Set the on-hand quantity</h3>
              <div class="toolbar">
                <Field
                  name="quantity"
                  label="Units on hand"
                  error={errors.quantity}
                  inputMode="numeric"
                  autoComplete="off"
                />
                <Field name="reason" label="Reason" error={errors.reason} autoComplete="off" />
                <button type="submit" disabled={busy}>
                  Set quantity
                </button>
              </div>
            </form>
          ) : (
            <p class="muted">Changing stock needs platform:admin; this view is read-only.</p>
          )}
          <ActiveReservations reservations={holding} />
          <Adjustments history={history} />
        </section>
      )}
      <h2>Find a reservation</h2>
      <p class="muted">
        A reservation holds units of one or more SKUs until it is committed, released or expires; an ended one
        is found by its id (an order's reservation has the order's id).
      </p>
      <form class="toolbar" onSubmit={findReservation} noValidate>
        <Field
          name="reservation"
          label="Reservation id"
          error={errors.reservation}
          autoComplete="off"
          spellcheck={false}
        />
        <button type="submit" disabled={busy}>
          Find reservation
        </button>
      </form>
      {reservation && <ReservationView reservation={reservation} />}
      {change && stock && (
        <ConfirmDialog
          title="Change the stock?"
          confirm="Set quantity"
          onCancel={() => setChange(undefined)}
          onConfirm={() => setQuantity(stock.sku, change)}
        >
          <p>
            <strong>{stock.sku}</strong>: on hand from {stock.quantity} to <strong>{change.quantity}</strong>{' '}
            ({stock.reserved} reserved). Reason: “{change.reason}”.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function ActiveReservations({ reservations }: { reservations: Reservation[] | string | undefined }) {
  if (reservations === undefined) return null;
  if (typeof reservations === 'string') return <p class="muted">Active reservations: {reservations}</p>;
  if (reservations.length === 0) return <p class="muted">No active reservation holds this SKU.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="holding-caption">
      <table>
        <caption id="holding-caption">
          Active reservations <span class="muted">(soonest expiry first, at most {HISTORY})</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Reservation</th>
            <th scope="col">Items</th>
            <th scope="col">Made at</th>
            <th scope="col">Expires at</th>
          </tr>
        </thead>
        <tbody>
          {reservations.map((reservation) => (
            <tr key={reservation.id}>
              <th scope="row">{reservation.id}</th>
              <td class="wrap">
                {reservation.items.map((item) => `${item.quantity} × ${item.sku}`).join(', ')}
              </td>
              <td>{formatTime(new Date(reservation.createdAt))}</td>
              <td>{formatTime(new Date(reservation.expiresAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Adjustments({ history }: { history: Adjustment[] | string | undefined }) {
  if (history === undefined) return null;
  if (typeof history === 'string') return <p class="muted">Adjustment history: {history}</p>;
  if (history.length === 0) return <p class="muted">No adjustments recorded.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="history-caption">
      <table>
        <caption id="history-caption">
          Adjustment history <span class="muted">(newest first, at most {HISTORY})</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">At</th>
            <th scope="col">Kind</th>
            <th scope="col" class="number">
              Change
            </th>
            <th scope="col" class="number">
              On hand after
            </th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {history.map((entry) => (
            <tr key={entry.id}>
              <th scope="row">{formatTime(new Date(entry.at))}</th>
              <td>{entry.kind}</td>
              <td class="number">{entry.delta > 0 ? `+${entry.delta}` : entry.delta}</td>
              <td class="number">{entry.quantityAfter}</td>
              <td class="wrap">{entry.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReservationView({ reservation }: { reservation: Reservation }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="reservation-caption">
      <table>
        <caption id="reservation-caption">
          Reservation <code>{reservation.id}</code>: {reservation.status}, expires{' '}
          {formatTime(new Date(reservation.expiresAt))}
        </caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col" class="number">
              Units
            </th>
          </tr>
        </thead>
        <tbody>
          {reservation.items.map((item) => (
            <tr key={item.sku}>
              <th scope="row">{item.sku}</th>
              <td class="number">{item.quantity}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
