import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { expressionInterpreter } from 'vega-interpreter';

/**
 * Draws a Vega-Lite chart as SVG into `container` and answers how to take it down. Vega's expressions
 * are parsed to an AST and run by `vega-interpreter` instead of being compiled with `new Function`, so
 * the console's Content-Security-Policy needs no `'unsafe-eval'`. Imported on demand (a chunk of its
 * own: Vega and Vega-Lite are most of the console's code), so only the Benchmarks page loads it.
 */
export async function renderVegaLite(container: HTMLElement, spec: TopLevelSpec): Promise<() => void> {
  const runtime = parse(compile(spec).spec, undefined, { ast: true });
  const view = new View(runtime, { expr: expressionInterpreter, renderer: 'svg', container, hover: false });
  await view.runAsync();
  return () => view.finalize();
}
