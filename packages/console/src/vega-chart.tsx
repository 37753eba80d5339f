import { useEffect, useRef, useState } from 'preact/hooks';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { expressionInterpreter } from 'vega-interpreter';

/**
 * A Vega-Lite chart rendered to SVG by Vega in the page. Vega's expressions are parsed to an AST and
 * run by `vega-interpreter` instead of being compiled with `new Function`, so the console's
 * Content-Security-Policy needs no `'unsafe-eval'`. The chart is an image named by `description`
 * (Vega writes it as the SVG's `aria-label`); the figures are also in a table beside it.
 */
export function VegaChart(props: { spec: TopLevelSpec }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let view: View;
    try {
      const runtime = parse(compile(props.spec).spec, undefined, { ast: true });
      view = new View(runtime, {
        expr: expressionInterpreter,
        renderer: 'svg',
        container: container.current!,
        hover: false,
      });
    } catch (failure) {
      setError(String(failure));
      return;
    }
    view.runAsync().catch((failure: unknown) => setError(String(failure)));
    return () => view.finalize();
  }, [props.spec]);
  return (
    <>
      <div ref={container} class="chart" />
      {error && <p class="error">The chart could not be drawn: {error}</p>}
    </>
  );
}
