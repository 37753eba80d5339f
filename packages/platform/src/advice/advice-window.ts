/** The span of time a measure covers. */
export interface AdviceWindow {
  from: Date;
  to: Date;
}

/** `[to - seconds, to]`. */
export function windowEnding(to: Date, seconds: number): AdviceWindow {
  return { from: new Date(to.getTime() - seconds * 1000), to };
}

/** `2026-12-07T00:10:00.000Z – 2026-12-07T00:15:00.000Z (300 s)` */
export function describeWindow({ from, to }: AdviceWindow): string {
  const seconds = Math.round((to.getTime() - from.getTime()) / 1000);
  const span = seconds % 86400 === 0 ? `${seconds / 86400} d` : `${seconds} s`;
  return `${from.toISOString()} – ${to.toISOString()} (${span})`;
}
