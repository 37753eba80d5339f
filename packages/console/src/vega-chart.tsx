import { useEffect, useRef, useState } from 'preact/hooks';
import type { TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite chart rendered to SVG by Vega in the page (vega-render.ts, loaded when the first chart is
 * shown). The chart is named by the spec's `description` (Vega writes it as its container's
 * `aria-label`); the page puts the figures in a table beside it too.
 */
export function VegaChart(props: { spec: TopLevelSpec }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let takeDown: (() => void) | undefined;
    let stopped = false;
    import('./vega-render.ts')
      .then(({ renderVegaLite }) => (stopped ? undefined : renderVegaLite(container.current!, props.spec)))
      .then((finalize) => (stopped ? finalize?.() : (takeDown = finalize)))
      .catch((failure: unknown) => !stopped && setError(String(failure)));
    return () => {
      stopped = true;
      takeDown?.();
    };
  }, [props.spec]);
  return (
    <>
      <div ref={container} class="chart" />
      {error && <p class="error">The chart could not be drawn: {error}</p>}
    </>
  );
}
