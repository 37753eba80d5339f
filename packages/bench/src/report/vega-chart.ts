import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite chart for the report: the data inline; size, font and schema are set here. */
export type ChartSpec = TopLevelSpec;

/**
 * Renders `spec` to an SVG document with Vega-Lite and Vega's headless renderer (no browser, no canvas:
 * text is measured by Vega's estimate). Every chart of the report gets the same size and font.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 560,
    height: 260,
    background: 'white',
    config: {
      font: 'Helvetica, Arial, sans-serif',
      axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 480 },
      legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', labelLimit: 0, columns: 2 },
      title: { fontSize: 14, anchor: 'start' },
    },
    ...spec,
  } as TopLevelSpec;
  const view = new View(parse(compile(full).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
