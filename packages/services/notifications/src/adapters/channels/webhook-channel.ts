import {
  ChannelDeliveryError,
  type DeliveryReceipt,
  type NotificationChannel,
  type OutgoingMessage,
} from '../../ports/notification-channel.ts';
import type { ChannelType } from '../../domain/notification.ts';

export interface WebhookChannelOptions {
  type: Extract<ChannelType, 'sms' | 'push'>;
  /** The provider's endpoint; messages are POSTed to it as JSON. */
  url: string;
  timeoutMs: number;
}

/** The JSON body POSTed to an sms or push provider. */
export interface WebhookPayload {
  /** Idempotency key: the same on every retry of this notification on this channel. */
  id: string;
  notificationId: string;
  type: string;
  channel: ChannelType;
  /** Phone number (sms) or user id (push). */
  to: string;
  userId: string | null;
  subject: string | null;
  body: string;
}

/**
 * sms and push through a webhook provider: one HTTP POST per message with an `Idempotency-Key`
 * header. A 2xx is accepted (`messageId` from the answer's `messageId` or `id` when it has one);
 * 408, 429, 5xx, timeouts and network errors are retried; any other 4xx is permanent.
 */
export class WebhookChannel implements NotificationChannel {
  readonly type: WebhookChannelOptions['type'];
  readonly unavailableReason = undefined;
  readonly #options: WebhookChannelOptions;

  constructor(options: WebhookChannelOptions) {
    this.type = options.type;
    this.#options = options;
  }

  async send(message: OutgoingMessage): Promise<DeliveryReceipt> {
    const payload: WebhookPayload = {
      id: message.idempotencyKey,
      notificationId: message.notificationId,
      type: message.type,
      channel: message.channel,
      to: message.to,
      userId: message.userId,
      subject: message.content.subject ?? null,
      body: message.content.body,
    };
    let response: Response;
    try {
      response = await fetch(this.#options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': message.idempotencyKey },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.#options.timeoutMs} ms`
          : (error as Error).message;
      throw new ChannelDeliveryError(`${this.type} webhook unreachable: ${reason}`, { cause: error });
    }
    // An unreadable body is an empty one: the status alone decides the outcome.
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const permanent =
        response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      throw new ChannelDeliveryError(
        `${this.type} webhook answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        { permanent },
      );
    }
    return { messageId: messageIdOf(text) ?? message.idempotencyKey, deliveryStatus: 'accepted' };
  }

  async close(): Promise<void> {}
}

function messageIdOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { messageId?: unknown; id?: unknown };
    const id = body.messageId ?? body.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    // Not JSON: the receiver named no message id, the idempotency key stands in for it.
    return undefined;
  }
}
