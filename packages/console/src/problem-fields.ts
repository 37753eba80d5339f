import type { Problem } from '@polyshop/client';

/**
 * Where a problem+json answer puts the blame: its `field` and its `errors`' fields among the form's
 * `fields`, else `general` — so an error is shown next to the input at fault. The first error is the
 * problem's `detail` (which already names the field); the others are said as `<field> <message>`.
 */
export function problemByField(problem: Problem, fields: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  (problem.errors ?? []).forEach(({ field, message }, index) => {
    if (fields.includes(field)) found[field] ??= index === 0 ? problem.detail : `${field} ${message}`;
  });
  const own = problem.field && fields.includes(problem.field) ? problem.field : 'general';
  if (Object.keys(found).length === 0 || own !== 'general') found[own] ??= problem.detail;
  return found;
}
