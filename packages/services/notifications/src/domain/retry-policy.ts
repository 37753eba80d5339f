import type { ChannelDelivery } from './notification.ts';

/** How a channel delivery is retried. */
export interface RetryPolicy {
  /** Attempts per channel before it is `failed` (the first attempt counts). */
  maxAttempts: number;
  /** Delay before the first retry; doubles each attempt. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

/**
 * The delay before the retry that follows attempt number `attempt` (1-based): exponential backoff
 * with "equal jitter" — half the backoff fixed, half random — so many failing deliveries don't
 * retry in lockstep, yet none retries immediately.
 */
export function retryDelayMs(
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + random() * (backoff / 2));
}

/** The result of one attempt on one channel. */
export type AttemptOutcome =
  | { ok: true; messageId: string; deliveryStatus: string }
  | { ok: false; error: string; /** The far side rejected it for good: no retry. */ permanent: boolean };

/** The channel's state after an attempt: sent, pending a retry (with backoff), or failed for good. */
export function afterAttempt(
  channel: ChannelDelivery,
  outcome: AttemptOutcome,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): ChannelDelivery {
  const attempts = channel.attempts + 1;
  if (outcome.ok) {
    return {
      ...channel,
      attempts,
      status: 'sent',
      nextAttemptAt: null,
      sentAt: now.toISOString(),
      messageId: outcome.messageId,
      deliveryStatus: outcome.deliveryStatus,
      error: null,
    };
  }
  if (outcome.permanent || attempts >= policy.maxAttempts) {
    return {
      ...channel,
      attempts,
      status: 'failed',
      nextAttemptAt: null,
      deliveryStatus: 'failed',
      error: outcome.error,
    };
  }
  const next = new Date(now.getTime() + retryDelayMs(policy, attempts, random));
  return {
    ...channel,
    attempts,
    status: 'pending',
    nextAttemptAt: next.toISOString(),
    deliveryStatus: 'retrying',
    error: outcome.error,
  };
}
