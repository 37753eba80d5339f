/** Requests per second, as an operator reads them: `0`, `0.42`, `12.3`, `1,204`. */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return 'not measured';
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(2);
  if (perSecond < 100) return perSecond.toFixed(1);
  return Math.round(perSecond).toLocaleString('en');
}

/** A p99 given as the upper bound of its histogram bucket: `≤ 5 ms`, `≤ 2.5 s`, `> 10 s`; `–` without requests. */
export function formatP99(p99: { seconds: number; above: boolean } | null): string {
  if (!p99) return '–';
  const { seconds, above } = p99;
  const text = seconds < 1 ? `${+(seconds * 1000).toPrecision(3)} ms` : `${+seconds.toPrecision(3)} s`;
  return `${above ? '>' : '≤'} ${text}`;
}

/** A time of day in the user's locale, to the second. */
export function formatTime(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
