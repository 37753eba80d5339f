import { AppError } from '@polyshop/kernel';

/** Dimensions a revenue report can be grouped by (currency is always a group: sums never mix currencies). */
export const REVENUE_GROUPS = ['month', 'method', 'region'] as const;
export type RevenueGroup = (typeof REVENUE_GROUPS)[number];

/**
 * A revenue report request: calendar months `from`..`to` inclusive (UTC). Captured money counts in
 * the month it was captured, refunded money in the month the refund went through.
 */
export interface RevenueQuery {
  /** `YYYY-MM`, first month included. */
  from: string;
  /** `YYYY-MM`, last month included. */
  to: string;
  groupBy: RevenueGroup[];
  /** First instant included (start of `from`, UTC). */
  start: Date;
  /** First instant excluded (start of the month after `to`, UTC). */
  end: Date;
}

/** One group of a revenue report; amounts are exact decimal strings in the group's currency. */
export interface RevenueRow {
  /** `YYYY-MM` when grouped by month. */
  month?: string;
  method?: string;
  region?: string;
  currency: string;
  /** Sum captured in the group. */
  captured: string;
  /** Sum refunded in the group. */
  refunded: string;
  /** captured − refunded. */
  net: string;
}

const MONTH = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/;

/** Validates the report parameters; 400 naming `from`, `to` or `groupBy`. `groupBy` defaults to month. */
export function parseRevenueQuery(input: {
  from?: string;
  to?: string;
  groupBy?: string | string[];
}): RevenueQuery {
  const from = monthStart(input.from, 'from');
  const to = monthStart(input.to, 'to');
  if (to < from) {
    throw AppError.invalidInput('PAYMENT.INVALID_REPORT_RANGE', '"to" must not be before "from".', {
      field: 'to',
    });
  }
  const raw =
    input.groupBy === undefined ? ['month'] : Array.isArray(input.groupBy) ? input.groupBy : [input.groupBy];
  const groupBy: RevenueGroup[] = [];
  for (const part of raw.flatMap((value) => value.split(',')).map((value) => value.trim())) {
    if (!REVENUE_GROUPS.includes(part as RevenueGroup)) {
      throw AppError.invalidInput(
        'PAYMENT.INVALID_GROUP_BY',
        `groupBy takes a comma-separated subset of ${REVENUE_GROUPS.join(', ')}.`,
        {
          field: 'groupBy',
        },
      );
    }
    if (!groupBy.includes(part as RevenueGroup)) groupBy.push(part as RevenueGroup);
  }
  const end = new Date(to);
  end.setUTCMonth(end.getUTCMonth() + 1);
  return {
    from: input.from!,
    to: input.to!,
    groupBy: REVENUE_GROUPS.filter((g) => groupBy.includes(g)),
    start: from,
    end,
  };
}

function monthStart(value: string | undefined, field: 'from' | 'to'): Date {
  const match = typeof value === 'string' ? MONTH.exec(value) : null;
  if (!match) {
    throw AppError.invalidInput('PAYMENT.INVALID_MONTH', `${field} must be a month such as 2026-01.`, {
      field,
    });
  }
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
}
