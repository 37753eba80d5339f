import { useEffect, useState } from 'preact/hooks';
import type { paths } from '@polyshop/client';
import { api } from '../session.ts';
import { callApi } from '../call-api.ts';
import { ConfirmDialog } from '../confirm-dialog.tsx';
import '../pages.css';

type DeadLetter =
  paths['/admin/dead-letters']['get']['responses'][200]['content']['application/json']['items'][number];
type Which = 'pending' | 'replayed' | 'all';

/** A date and time in the user's locale (a dead letter may be days old). */
function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** What the last replay did, said in words (`role="status"`). */
interface Outcome {
  ok: boolean;
  text: string;
}

/**
 * Events a consumer gave up on (`GET /admin/dead-letters`): the event, the consumer, its last error and
 * attempts. `platform:admin` may replay one to that consumer (`POST /admin/dead-letters/{id}/replay`)
 * after confirming; the outcome is shown and the list read again. Read-only for `platform:read`.
 */
export function EventsPage(props: { admin: boolean; onExpired: () => void }) {
  const [which, setWhich] = useState<Which>('pending');
  const [letters, setLetters] = useState<DeadLetter[]>();
  const [error, setError] = useState<string>();
  const [asking, setAsking] = useState<DeadLetter>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [reads, setReads] = useState(0);

  useEffect(() => {
    let stopped = false;
    const query = which === 'all' ? {} : { pending: which === 'pending' };
    void callApi(props.onExpired, () => api.GET('/admin/dead-letters', { params: { query } })).then(
      (answer) => {
        if (stopped) return;
        setError(answer.ok ? undefined : answer.text);
        if (answer.ok) setLetters(answer.data.items);
      },
    );
    return () => {
      stopped = true;
    };
  }, [which, reads]);

  async function replay(letter: DeadLetter) {
    setAsking(undefined);
    setBusy(true);
    const answer = await callApi(props.onExpired, () =>
      api.POST('/admin/dead-letters/{id}/replay', { params: { path: { id: letter.id } } }),
    );
    setBusy(false);
    if (!answer.ok && answer.status === 401) return;
    setOutcome(
      answer.ok
        ? {
            ok: true,
            text: `Dead letter ${answer.data.id} replayed: ${answer.data.consumer} handled ${answer.data.eventType} (attempt ${answer.data.attempts}).`,
          }
        : { ok: false, text: `Replay of dead letter ${letter.id} failed: ${answer.text}` },
    );
    setReads((n) => n + 1);
  }

  return (
    <>
      <p>
        Events a consumer failed on five times, kept with the last error.{' '}
        {props.admin
          ? 'Replaying one hands the event to that consumer again, once it is fixed.'
          : 'Replaying needs platform:admin; this view is read-only.'}
      </p>
      <div class="toolbar">
        <div class="field">
          <label for="which">Show</label>
          <select id="which" value={which} onChange={(event) => setWhich(event.currentTarget.value as Which)}>
            <option value="pending">Not replayed yet</option>
            <option value="replayed">Replayed</option>
            <option value="all">All</option>
          </select>
        </div>
        <button type="button" class="secondary" onClick={() => setReads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <p role="status" class={outcome ? (outcome.ok ? 'summary good' : 'summary bad') : undefined}>
        {outcome?.text}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {letters === undefined ? (
        !error && <p>Reading the dead letters…</p>
      ) : letters.length === 0 ? (
        <p class="summary good">
          No dead letters{which === 'all' ? '' : which === 'pending' ? ' waiting' : ' replayed'}.
        </p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="letters-caption">
          <table>
            <caption id="letters-caption">
              Dead letters <span class="muted">({letters.length}, most recent failure first)</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Consumer</th>
                <th scope="col">Last error</th>
                <th scope="col" class="number">
                  Attempts
                </th>
                <th scope="col">Failed at</th>
                <th scope="col">State</th>
                {props.admin && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {letters.map((letter) => (
                <tr key={letter.id}>
                  <th scope="row">
                    <details>
                      <summary>
                        {letter.eventType} <span class="muted">#{letter.id}</span>
                      </summary>
                      <pre>{JSON.stringify(letter.event, null, 2)}</pre>
                    </details>
                  </th>
                  <td>{letter.consumer}</td>
                  <td class="wrap">{letter.error}</td>
                  <td class="number">{letter.attempts}</td>
                  <td>{when(letter.failedAt)}</td>
                  <td>
                    {letter.replayedAt ? (
                      <span class="state good">Replayed at {when(letter.replayedAt)}</span>
                    ) : (
                      <span class="state bad">Not replayed</span>
                    )}
                  </td>
                  {props.admin && (
                    <td>
                      {!letter.replayedAt && (
                        <button
                          type="button"
                          disabled={busy}
                          aria-label={`Replay ${letter.eventType} #${letter.id} to ${letter.consumer}`}
                          onClick={() => setAsking(letter)}
                        >
                          Replay
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {asking && (
        <ConfirmDialog
          title="Replay this event?"
          confirm="Replay"
          onCancel={() => setAsking(undefined)}
          onConfirm={() => void replay(asking)}
        >
          <p>
            <strong>{asking.eventType}</strong> (event {asking.eventId}) goes to{' '}
            <strong>{asking.consumer}</strong> again. If it fails again, the dead letter stays and the error
            is shown.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
