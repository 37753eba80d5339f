import { useEffect, useState } from 'preact/hooks';
import type { paths } from '@polyshop/client';
import { api } from '../session.ts';
import { formatP99, formatRate, formatTime } from '../format.ts';

type Overview = paths['/admin/overview']['get']['responses'][200]['content']['application/json'];

/** How often the overview is read again. */
const REFRESH_MS = 5000;

/** The seven services: stores, readiness, request rate and p99 (`GET /admin/overview`), read every 5 s. */
export function OverviewPage(props: { onExpired: () => void }) {
  const [overview, setOverview] = useState<Overview>();
  const [readAt, setReadAt] = useState<Date>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stopped = false;
    async function read() {
      const { data, error: problem, response } = await api.GET('/admin/overview');
      if (stopped) return;
      if (response.status === 401) return props.onExpired();
      if (problem) return setError(problem.detail);
      setError(undefined);
      setOverview(data);
      setReadAt(new Date());
    }
    const failed = (failure: unknown) =>
      !stopped && setError(`The platform did not answer: ${String(failure)}`);
    read().catch(failed);
    const timer = setInterval(() => read().catch(failed), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  if (!overview)
    return (
      <p role="status" class={error ? 'error' : undefined}>
        {error ?? 'Reading the overview…'}
      </p>
    );
  const notReady = overview.services.filter((service) => !service.ready);
  const window = overview.windowSeconds;
  return (
    <>
      <p role="status" class={notReady.length ? 'summary bad' : 'summary good'}>
        {notReady.length === 0
          ? `All ${overview.services.length} services ready`
          : `${notReady.length} of ${overview.services.length} services not ready: ${notReady.map((s) => s.name).join(', ')}`}
        {readAt && <span class="muted"> · read at {formatTime(readAt)}</span>}
      </p>
      {error && <p class="error">{error} (showing the last answer)</p>}
      <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="services-caption">
        <table>
          <caption id="services-caption">
            Services{' '}
            <span class="muted">
              {window === null
                ? '(request figures off: METRICS=off)'
                : `(requests over the last ${Math.round(window)} s)`}
            </span>
          </caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Health</th>
              <th scope="col">Configured store</th>
              <th scope="col">Reads from</th>
              <th scope="col">Writes to</th>
              <th scope="col">Migration phase</th>
              <th scope="col" class="number">
                Requests/s
              </th>
              <th scope="col" class="number">
                p99
              </th>
            </tr>
          </thead>
          <tbody>
            {overview.services.map((service) => (
              <tr key={service.name}>
                <th scope="row">
                  {service.name} <span class="muted">{service.prefix}</span>
                </th>
                <td>
                  <span class={service.ready ? 'state good' : 'state bad'}>
                    {service.ready ? 'Ready' : `Not ready: ${service.check}`}
                  </span>
                </td>
                <td>{service.store}</td>
                <td>{service.reads}</td>
                <td>
                  {service.writes}
                  {service.mirror && <span class="muted"> (copied to {service.mirror})</span>}
                </td>
                <td>{service.phase ?? <span class="muted">cannot move</span>}</td>
                <td class="number">{formatRate(service.perSecond)}</td>
                <td class="number">{formatP99(service.p99)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Store connections</h2>
      <ul class="connections">
        {Object.entries(overview.checks).map(([name, check]) => (
          <li key={name}>
            <span class="store">{name}</span>{' '}
            <span class={check === 'ok' ? 'state good' : 'state bad'}>
              {check === 'ok' ? 'Reachable' : check}
            </span>
          </li>
        ))}
      </ul>
      <p class="muted">
        p99 is the upper bound of the latency histogram bucket the 99th percentile falls in (
        <code>polyshop_http_request_duration_seconds</code>, also at <code>/metrics</code>).
      </p>
    </>
  );
}
