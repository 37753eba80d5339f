import { useEffect, useRef, useState } from 'preact/hooks';
import type { paths, Problem } from '@polyshop/client';
import { api } from '../session.ts';
import { callApi } from '../call-api.ts';
import { ConfirmDialog } from '../confirm-dialog.tsx';
import { formatTime } from '../format.ts';
import '../pages.css';
import '../operations.css';

type Listing = paths['/admin/migrations']['get']['responses'][200]['content']['application/json'];
type Migration = Listing['items'][number];
type Movable = Listing['services'][number];

/** How often the migrations are read again (the page follows a backfill as it runs). */
const REFRESH_MS = 2000;

/** The phases a move goes through, in order (`cleanup` only after `finished`, on request). */
const ROUTE = ['dual-write', 'backfill', 'verify', 'read-switch', 'write-switch', 'finished'] as const;

/** What a phase guarantees, in the words of the README's table. */
const MEANING: Record<string, string> = {
  idle: 'not moving',
  'dual-write': 'every write also copied to the new store',
  backfill: 'what existed before copied over, in batches',
  verify: 'both stores compared record by record',
  'read-switch': 'reads from the new store; writes still go to the old one first',
  'write-switch': 'the new store is the source of truth; the old one still gets every write',
  finished: 'the new store alone',
  cleanup: "the service's data deleted from the old store",
};

/** An action's answer said in a sentence (or its problem). */
type Said = { data?: string; error?: Problem; response: Response };

type Action =
  'start' | 'advance' | 'backfill' | 'verify' | 'repair' | 'pause' | 'resume' | 'rollback' | 'cleanup';

/** An action the operator asked for, waiting for their confirmation. */
interface Asked {
  service: string;
  action: Action;
  /** The store to move to (start only). */
  to?: string;
  /** The phase the migration is in as the operator saw it (advance only: refused if it moved). */
  phase?: Migration['phase'];
}

/** Copy rates measured between two reads: records per second of the backfill, per service. */
type Rates = Record<string, { copied: number; at: number; perSecond?: number }>;

/**
 * The store migrations (`GET /admin/migrations`, every 2 s): per service its phase on a progress bar,
 * the backfill and its rate, the last verify's differences and the repair log. `platform:admin` may
 * start, advance, run the backfill or a verify, pause, resume, roll back and clean up, each after a
 * confirmation; `platform:read` sees the same, read-only.
 */
export function MigrationsPage(props: { admin: boolean; onExpired: () => void }) {
  const [listing, setListing] = useState<Listing>();
  const [readAt, setReadAt] = useState<Date>();
  const [error, setError] = useState<string>();
  const [asked, setAsked] = useState<Asked>();
  const [running, setRunning] = useState<Asked>();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const [reads, setReads] = useState(0);
  const rates = useRef<Rates>({});

  useEffect(() => {
    let stopped = false;
    async function read() {
      const answer = await callApi(props.onExpired, () => api.GET('/admin/migrations'));
      if (stopped) return;
      if (!answer.ok) return setError(answer.text);
      setError(undefined);
      measureRates(rates.current, answer.data.items);
      setListing(answer.data);
      setReadAt(new Date());
    }
    void read();
    const timer = setInterval(() => void read(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [reads]);

  async function act(request: Asked) {
    setAsked(undefined);
    setRunning(request);
    setOutcome(undefined);
    const path = { path: { service: request.service } };
    const { service } = request;
    /** A verify that found differences: the call succeeded, but what it says is not good news. */
    let differences = false;
    const answer = await callApi(props.onExpired, async (): Promise<Said> => {
      switch (request.action) {
        case 'start': {
          const r = await api.POST('/admin/migrations/{service}', {
            params: path,
            body: { to: request.to! },
          });
          return {
            ...r,
            data: r.data && `${service} started moving to ${r.data.toStore}: phase ${r.data.phase}.`,
          };
        }
        case 'advance': {
          const r = await api.POST('/admin/migrations/{service}/advance', {
            params: path,
            body: request.phase ? { expectedPhase: request.phase } : {},
          });
          return { ...r, data: r.data && `${service} is now in ${r.data.phase}.` };
        }
        case 'backfill': {
          const r = await api.POST('/admin/migrations/{service}/backfill', { params: path, body: {} });
          return {
            ...r,
            data:
              r.data &&
              `Backfill of ${service} ${r.data.completed ? 'complete' : `stopped (${r.data.stopped ?? 'not complete'})`}: ${r.data.copied} copied, ${r.data.skipped} already there.`,
          };
        }
        case 'verify':
        case 'repair': {
          const r = await api.POST('/admin/migrations/{service}/verify', {
            params: path,
            body: { repair: request.action === 'repair' },
          });
          const repaired = r.data?.repaired;
          differences = r.data !== undefined && !r.data.clean;
          return {
            ...r,
            data:
              r.data &&
              (r.data.clean
                ? `Verify of ${service}: both stores hold the same records.`
                : `Verify of ${service}: ${r.data.differences} difference(s)` +
                  (repaired
                    ? `; repaired: ${repaired.copied} copied, ${repaired.removed} removed, ${repaired.failed} failed.`
                    : '.')),
          };
        }
        default: {
          const r = await api.POST(`/admin/migrations/{service}/${request.action}`, { params: path });
          return { ...r, data: r.data && `${service}: ${request.action} done, phase ${r.data.phase}.` };
        }
      }
    });
    setRunning(undefined);
    setOutcome(answer.ok ? { ok: !differences, text: answer.data } : { ok: false, text: answer.text });
    setReads((n) => n + 1);
  }

  if (!listing)
    return (
      <p role="status" class={error ? 'error' : undefined}>
        {error ?? 'Reading the migrations…'}
      </p>
    );
  const byService = new Map(listing.items.map((migration) => [migration.service, migration]));
  return (
    <>
      <p>
        Moving a service to another store while it serves, phase by phase (README, “Moving a service to
        another store”).{' '}
        {props.admin
          ? 'Each action asks for confirmation first.'
          : 'Acting needs platform:admin; this view is read-only.'}
        {readAt && <span class="muted"> Read at {formatTime(readAt)}, every 2 s.</span>}
      </p>
      <p role="status" class={outcome ? (outcome.ok ? 'summary good' : 'summary bad') : undefined}>
        {running ? `${running.service}: ${running.action} under way…` : outcome?.text}
      </p>
      {error && (
        <p role="alert" class="error">
          {error} (showing the last answer)
        </p>
      )}
      {listing.services.length === 0 && <p>No service of this platform can move between stores.</p>}
      {listing.services.map((movable) => (
        <ServiceMigration
          key={movable.service}
          movable={movable}
          migration={byService.get(movable.service)}
          rate={rates.current[movable.service]?.perSecond}
          admin={props.admin}
          busy={running !== undefined}
          onAsk={setAsked}
        />
      ))}
      {asked && (
        <ConfirmDialog
          title={question(asked)}
          confirm={verb(asked.action)}
          onConfirm={() => void act(asked)}
          onCancel={() => setAsked(undefined)}
        >
          <p>{consequence(asked, byService.get(asked.service))}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function measureRates(rates: Rates, items: readonly Migration[]) {
  const now = Date.now();
  for (const { service, backfill } of items) {
    const before = rates[service];
    const perSecond =
      before && backfill.copied >= before.copied && now > before.at
        ? ((backfill.copied - before.copied) * 1000) / (now - before.at)
        : undefined;
    rates[service] = { copied: backfill.copied, at: now, ...(perSecond === undefined ? {} : { perSecond }) };
  }
}

function ServiceMigration(props: {
  movable: Movable;
  migration: Migration | undefined;
  rate: number | undefined;
  admin: boolean;
  busy: boolean;
  onAsk: (asked: Asked) => void;
}) {
  const { movable, migration } = props;
  const moving = migration && migration.phase !== 'idle';
  const targets = movable.stores.filter((store) => store !== movable.store);
  const [to, setTo] = useState(targets[0] ?? '');
  const id = `migration-${movable.service}`;
  const step = moving ? ROUTE.indexOf(migration.phase as (typeof ROUTE)[number]) + 1 : 0;
  const ask = (action: Action, extra: Partial<Asked> = {}) =>
    props.onAsk({ service: movable.service, action, ...extra });
  return (
    <section class="migration" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{movable.service}</h2>
      {!moving ? (
        <p>
          On <strong>{movable.store}</strong>, not moving
          {migration && (
            <span class="muted">
              {' '}
              (last move rolled back or ended {formatTime(new Date(migration.updatedAt))})
            </span>
          )}
          . It can run on {movable.stores.join(', ')}.
        </p>
      ) : (
        <>
          <p>
            From <strong>{migration.fromStore}</strong> to <strong>{migration.toStore}</strong>, phase{' '}
            <strong class="phase">{migration.phase}</strong>: {MEANING[migration.phase]}.{' '}
            {migration.paused && <span class="state bad">Backfill paused.</span>}
          </p>
          <div class="phase-bar">
            <label for={`${id}-progress`}>
              Phase {Math.max(step, 1)} of {ROUTE.length}
            </label>
            <progress id={`${id}-progress`} max={ROUTE.length} value={step}>
              {step} of {ROUTE.length}
            </progress>
            <ol class="phases" aria-label={`Phases of ${movable.service}'s move`}>
              {ROUTE.map((phase, index) => (
                <li
                  key={phase}
                  class={index + 1 < step ? 'done' : index + 1 === step ? 'current' : undefined}
                  aria-current={index + 1 === step ? 'step' : undefined}
                >
                  {phase}
                </li>
              ))}
            </ol>
          </div>
          <dl class="facts">
            <dt>Backfill</dt>
            <dd>
              {migration.backfill.completed ? 'complete' : 'not complete'}: {migration.backfill.copied}{' '}
              copied, {migration.backfill.skipped} already there
              {migration.backfill.done.length > 0 && ` (done: ${migration.backfill.done.join(', ')})`}
            </dd>
            <dt>Rate</dt>
            <dd>
              {props.rate === undefined
                ? 'not measured yet'
                : props.rate === 0
                  ? 'nothing copied in the last 2 s'
                  : `${props.rate.toFixed(1)} records/s copied`}
              {' · limit '}
              {migration.rate === null ? 'none' : `${migration.rate} records/s`}
            </dd>
            <dt>Epoch</dt>
            <dd>{migration.epoch}</dd>
            <dt>Last verify</dt>
            <dd>
              {migration.lastVerify
                ? `${migration.lastVerify.clean ? 'clean' : `${migration.lastVerify.differences} difference(s)`} in ${migration.lastVerify.phase}, ${formatTime(new Date(migration.lastVerify.at))}`
                : 'none yet'}
            </dd>
            <dt>Repair log</dt>
            <dd>{migration.repairs === 0 ? 'empty' : `${migration.repairs} key(s) to copy again`}</dd>
          </dl>
          {migration.lastVerify && migration.lastVerify.details.length > 0 && (
            <Differences service={movable.service} details={migration.lastVerify.details} />
          )}
          {migration.repairLog.length > 0 && <RepairLog service={movable.service} migration={migration} />}
        </>
      )}
      {props.admin && (
        <div class="toolbar" role="group" aria-label={`Actions on ${movable.service}`}>
          {!moving && targets.length > 0 && (
            <>
              <div class="field">
                <label for={`${id}-to`}>Move to</label>
                <select id={`${id}-to`} value={to} onChange={(e) => setTo(e.currentTarget.value)}>
                  {targets.map((store) => (
                    <option key={store} value={store}>
                      {store}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" disabled={props.busy} onClick={() => ask('start', { to })}>
                Start
              </button>
            </>
          )}
          {moving && migration.phase !== 'finished' && migration.phase !== 'cleanup' && (
            <button
              type="button"
              disabled={props.busy}
              onClick={() => ask('advance', { phase: migration.phase })}
            >
              Advance
            </button>
          )}
          {moving && migration.phase === 'backfill' && (
            <>
              <button type="button" disabled={props.busy} onClick={() => ask('backfill')}>
                Run backfill
              </button>
              <button
                type="button"
                class="secondary"
                disabled={props.busy && !migration.paused}
                onClick={() => ask(migration.paused ? 'resume' : 'pause')}
              >
                {migration.paused ? 'Resume' : 'Pause'}
              </button>
            </>
          )}
          {moving && ['backfill', 'verify', 'read-switch', 'write-switch'].includes(migration.phase) && (
            <button type="button" class="secondary" disabled={props.busy} onClick={() => ask('verify')}>
              Verify
            </button>
          )}
          {moving &&
            ['backfill', 'verify', 'read-switch', 'write-switch'].includes(migration.phase) &&
            (migration.repairs > 0 || (migration.lastVerify !== null && !migration.lastVerify.clean)) && (
              <button type="button" class="secondary" disabled={props.busy} onClick={() => ask('repair')}>
                Verify and repair
              </button>
            )}
          {moving && migration.phase !== 'finished' && migration.phase !== 'cleanup' && (
            <button type="button" class="danger" disabled={props.busy} onClick={() => ask('rollback')}>
              Roll back
            </button>
          )}
          {moving && (migration.phase === 'finished' || migration.phase === 'cleanup') && (
            <button type="button" class="danger" disabled={props.busy} onClick={() => ask('cleanup')}>
              Clean up
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function Differences(props: { service: string; details: NonNullable<Migration['lastVerify']>['details'] }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby={`${props.service}-differences`}>
      <table>
        <caption id={`${props.service}-differences`}>Differences the last verify found (first ones)</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Key</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          {props.details.map((difference) => (
            <tr key={`${difference.kind}/${difference.key}`}>
              <td>{difference.kind}</td>
              <td>{difference.key}</td>
              <td>{difference.type}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RepairLog(props: { service: string; migration: Migration }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby={`${props.service}-repairs`}>
      <table>
        <caption id={`${props.service}-repairs`}>
          Repair log ({props.migration.repairLog.length} of {props.migration.repairs})
        </caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Key</th>
            <th scope="col">Why the copy failed</th>
            <th scope="col" class="number">
              Attempts
            </th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {props.migration.repairLog.map((entry) => (
            <tr key={`${entry.kind}/${entry.key}`}>
              <td>{entry.kind}</td>
              <td>{entry.key}</td>
              <td class="wrap">{entry.reason}</td>
              <td class="number">{entry.attempts}</td>
              <td>{formatTime(new Date(entry.lastSeenAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function verb(action: Action): string {
  return {
    start: 'Start',
    advance: 'Advance',
    backfill: 'Run backfill',
    verify: 'Verify',
    repair: 'Verify and repair',
    pause: 'Pause',
    resume: 'Resume',
    rollback: 'Roll back',
    cleanup: 'Clean up',
  }[action];
}

function question(asked: Asked): string {
  const { service } = asked;
  switch (asked.action) {
    case 'start':
      return `Start moving ${service} to ${asked.to}?`;
    case 'advance':
      return `Advance ${service} past ${asked.phase}?`;
    case 'rollback':
      return `Roll ${service} back?`;
    case 'cleanup':
      return `Delete ${service}'s data from its old store?`;
    default:
      return `${verb(asked.action)} ${service}'s migration?`;
  }
}

function consequence(asked: Asked, migration: Migration | undefined): string {
  switch (asked.action) {
    case 'start':
      return `Every write of ${asked.service} will also be copied to ${asked.to} (phase dual-write).`;
    case 'advance': {
      const next = ROUTE[ROUTE.indexOf(asked.phase as (typeof ROUTE)[number]) + 1];
      return next
        ? `Next phase: ${next} — ${MEANING[next]}. The platform refuses it if its gates are not met.`
        : 'The migration moves to its next phase.';
    }
    case 'backfill':
      return 'Copies what the old store holds to the new one, resuming from its checkpoint; live requests keep priority.';
    case 'verify':
      return 'Compares both stores record by record and records the result.';
    case 'repair': {
      const truth = migration?.phase === 'write-switch' ? migration.toStore : migration?.fromStore;
      return `Retries the repair log, compares both stores and copies the source of truth's side (${truth ?? 'the old store'}) over every difference.`;
    }
    case 'pause':
      return 'A running backfill stops after its batch.';
    case 'resume':
      return 'The backfill may run again (run it with “Run backfill”).';
    case 'rollback':
      return `Back to ${migration?.fromStore ?? 'the old store'} alone; it has received every write throughout.`;
    case 'cleanup':
      return `Deletes ${asked.service}'s data from ${migration?.fromStore ?? 'the old store'}. This cannot be undone.`;
  }
}
