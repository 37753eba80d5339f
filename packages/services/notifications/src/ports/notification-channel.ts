import type { ChannelType, RenderedContent } from '../domain/notification.ts';

/** One message for one channel, as the delivery worker hands it over. */
export interface OutgoingMessage {
  /** `<notification id>:<channel>`: the same on every retry, so a provider can de-duplicate. */
  idempotencyKey: string;
  notificationId: string;
  type: string;
  channel: ChannelType;
  /** Email address, phone number, or user id (push). */
  to: string;
  userId: string | null;
  content: RenderedContent;
}

/** What the far side answered when it took the message. */
export interface DeliveryReceipt {
  messageId: string;
  /** e.g. `accepted` (the SMTP server or provider took it). */
  deliveryStatus: string;
}

/**
 * Thrown by a channel when a delivery did not happen. `permanent` means retrying cannot help (the
 * address was rejected, the provider refused the request); anything else is retried with backoff.
 */
export class ChannelDeliveryError extends Error {
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChannelDeliveryError';
    this.permanent = options.permanent ?? false;
  }
}

/** A way out for notifications: email over SMTP, sms and push through a webhook provider. */
export interface NotificationChannel {
  readonly type: ChannelType;
  /**
   * Why the channel cannot send at all (not configured), or undefined when it can. Notifications
   * on an unavailable channel are recorded as `skipped` with this reason.
   */
  readonly unavailableReason: string | undefined;
  /**
   * Delivers one message. Resolves with the receipt once the far side accepted it; throws
   * (preferably `ChannelDeliveryError`) otherwise. Must give up within the channel's timeout.
   */
  send(message: OutgoingMessage): Promise<DeliveryReceipt>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** One channel implementation per channel type. */
export type ChannelSet = Record<ChannelType, NotificationChannel>;
