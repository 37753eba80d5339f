import { AppError, Decimal } from '@polyshop/kernel';
import { MAX_HISTOGRAM_BUCKETS, type HistogramBucket } from './search-query.ts';

/** A non-empty bucket as an engine counts it: `key` is the bucket's lower bound (a multiple of the interval). */
export interface CountedBucket {
  key: string;
  count: number;
}

/** The lower bound of the bucket holding a non-negative `value`: `value − (value mod interval)`, exactly. */
export function bucketKey(value: string, interval: string): string {
  const amount = new Decimal(value);
  return amount.minus(amount.mod(interval)).toFixed();
}

/**
 * The histogram's buckets from the lowest non-empty one to the highest, empty ones in between
 * included with count 0 (OpenSearch's `min_doc_count: 0` without extended bounds). Throws
 * `SEARCH.TOO_MANY_BUCKETS` (field `histogram`) when that span exceeds `MAX_HISTOGRAM_BUCKETS`.
 */
export function fillHistogram(counted: readonly CountedBucket[], interval: string): HistogramBucket[] {
  if (counted.length === 0) return [];
  const step = new Decimal(interval);
  const counts = new Map<string, number>();
  let low: Decimal | undefined;
  let high: Decimal | undefined;
  for (const bucket of counted) {
    const key = new Decimal(bucket.key);
    counts.set(key.toFixed(), (counts.get(key.toFixed()) ?? 0) + bucket.count);
    if (low === undefined || key.lessThan(low)) low = key;
    if (high === undefined || key.greaterThan(high)) high = key;
  }
  const span = high!.minus(low!).dividedBy(step).toNumber() + 1;
  if (span > MAX_HISTOGRAM_BUCKETS) {
    throw AppError.invalidInput(
      'SEARCH.TOO_MANY_BUCKETS',
      `The histogram would have ${span} buckets (at most ${MAX_HISTOGRAM_BUCKETS}); use a larger interval or narrow the price range.`,
      { field: 'histogram' },
    );
  }
  const buckets: HistogramBucket[] = [];
  for (let from = low!; from.lessThanOrEqualTo(high!); from = from.plus(step)) {
    const to = from.plus(step);
    buckets.push({ from: from.toFixed(), to: to.toFixed(), count: counts.get(from.toFixed()) ?? 0 });
  }
  return buckets;
}
