import type { SqlExecutor } from '@polyshop/stores';
import type { AdviceThresholds } from './advice-thresholds.ts';
import { evidence, unmeasured, type Evidence } from './advice-schema.ts';
import { describeWindow, type AdviceWindow } from './advice-window.ts';
import { tableExists } from './postgres-statistics.ts';

const CHANGES = 'catalog.category_changes';
const WEEK_MS = 7 * 86400 * 1000;

/**
 * The products trigger ("schema changes every sprint for new product types"), on PostgreSQL:
 * category attribute-definition changes in the window (the history a trigger of the catalogue keeps,
 * migration 0003), scaled to a week; the attribute definitions of the widest category; and the
 * distinct attribute keys its products actually hold (the facet counts the database keeps).
 */
export async function catalogueEvidence(
  db: SqlExecutor,
  window: AdviceWindow,
  thresholds: AdviceThresholds,
): Promise<Evidence[]> {
  const during = describeWindow(window);
  const found: Evidence[] = [];
  if (await tableExists(db, CHANGES)) {
    const [changes] = await db.query<{ changes: number; categories: number }>(
      `SELECT count(*)::int AS changes, count(DISTINCT slug)::int AS categories
       FROM ${CHANGES} WHERE changed_at >= $1 AND changed_at <= $2`,
      [window.from, window.to],
    );
    const count = changes?.changes ?? 0;
    const weeks = (window.to.getTime() - window.from.getTime()) / WEEK_MS;
    found.push(
      evidence({
        measure: 'category attribute-definition changes per week',
        value: round(count / weeks),
        threshold: thresholds.ADVISE_CATEGORY_CHANGES_PER_WEEK,
        unit: 'changes/week',
        window: during,
        source: `${CHANGES} (written by a trigger on catalog.categories)`,
        detail: `${count} change(s) to ${changes?.categories ?? 0} category(ies)`,
      }),
    );
  } else {
    found.push(
      unmeasured(
        'category attribute-definition changes per week',
        'changes/week',
        during,
        `${CHANGES} does not exist yet`,
      ),
    );
  }
  if (await tableExists(db, 'catalog.categories')) {
    const [widest] = await db.query<{ slug: string; keys: number }>(
      `SELECT slug, (jsonb_array_length(COALESCE(definition->'attributes', '[]'::jsonb))
               + jsonb_array_length(COALESCE(definition->'variantAttributes', '[]'::jsonb)))::int AS keys
       FROM catalog.categories ORDER BY keys DESC, slug LIMIT 1`,
    );
    const [inUse] = await db.query<{ category: string; keys: number }>(
      `SELECT category, count(DISTINCT attribute)::int AS keys FROM catalog.facet_counts
       WHERE count > 0 GROUP BY category ORDER BY keys DESC, category LIMIT 1`,
    );
    found.push(
      evidence({
        measure: 'attribute definitions of the widest category',
        value: widest?.keys ?? 0,
        threshold: thresholds.ADVISE_ATTRIBUTE_KEYS_PER_CATEGORY,
        unit: 'keys',
        window: 'now',
        source: 'catalog.categories.definition',
        ...(widest ? { detail: `category ${widest.slug}` } : {}),
      }),
      evidence({
        measure: 'distinct attribute keys held by the products of one category (widest)',
        value: inUse?.keys ?? 0,
        threshold: thresholds.ADVISE_ATTRIBUTE_KEYS_PER_CATEGORY,
        unit: 'keys',
        window: 'now',
        source: 'catalog.facet_counts',
        ...(inUse ? { detail: `category ${inUse.category}` } : {}),
      }),
    );
  }
  return found;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
