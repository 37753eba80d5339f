/** Markdown pieces the report is made of, and the number formats it uses everywhere. */

/** A cell's text with the characters that would break a Markdown table escaped. */
function cell(value: string | number): string {
  return String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A Markdown table: the header, the separator, one line per row. */
export function markdownTable(
  columns: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const line = (values: readonly (string | number)[]) => `| ${values.map(cell).join(' | ')} |`;
  return [line(columns), `|${columns.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** `text` as a Markdown block quote (each line quoted; blank lines kept inside the quote). */
export function blockQuote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');
}

/** A rate: `12.3/s` under 100, `1,234/s` above. */
export function perSecond(value: number): string {
  return `${value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')}/s`;
}

/** A latency: `0.42 ms`, `12.3 ms`, `1,234 ms`, `2.1 s` from 10 s. */
export function millis(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${Math.round(value).toLocaleString('en-US')} ms`;
  return `${value.toFixed(value < 1 ? 2 : 1)} ms`;
}

/** A ratio with three significant digits: `0.0912`, `0.496`, `1.85`, `231`. */
export function ratio(value: number): string {
  if (value === 0) return '0';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

/** A whole count with thousands separators. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
