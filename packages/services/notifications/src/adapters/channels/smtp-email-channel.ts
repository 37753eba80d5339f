import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import {
  ChannelDeliveryError,
  type DeliveryReceipt,
  type NotificationChannel,
  type OutgoingMessage,
} from '../../ports/notification-channel.ts';

export interface SmtpEmailChannelOptions {
  /** `smtp://user:pass@host:587`, `smtps://…` (nodemailer connection URL). */
  url: string;
  /** Sender, e.g. `polyshop <no-reply@example.com>`. */
  from: string;
  /** Connection, greeting and socket timeout. */
  timeoutMs: number;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
}

/**
 * Email over SMTP with nodemailer. The Message-ID is derived from the notification id, so a retried
 * message carries the same id and mail systems can de-duplicate it. SMTP 5xx answers (a rejected
 * recipient, a refused message) are permanent; connection failures, timeouts and 4xx are retried.
 */
export class SmtpEmailChannel implements NotificationChannel {
  readonly type = 'email' as const;
  readonly unavailableReason = undefined;
  readonly #options: SmtpEmailChannelOptions;
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo, SMTPTransport.Options>;
  readonly #domain: string;

  constructor(options: SmtpEmailChannelOptions) {
    this.#options = options;
    this.#transport = nodemailer.createTransport({
      url: options.url,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    });
    this.#domain = /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'polyshop.local';
  }

  async send(message: OutgoingMessage): Promise<DeliveryReceipt> {
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.#transport.sendMail({
        from: this.#options.from,
        to: message.to,
        subject: message.content.subject ?? '',
        text: message.content.body,
        ...(message.content.html ? { html: message.content.html } : {}),
        messageId: `<${message.notificationId}.${message.channel}@${this.#domain}>`,
        headers: { 'X-Polyshop-Notification': message.notificationId, 'X-Polyshop-Type': message.type },
      });
    } catch (error) {
      const { responseCode, code } = error as SmtpError;
      const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
      throw new ChannelDeliveryError(`SMTP ${responseCode ?? code ?? 'error'}: ${(error as Error).message}`, {
        permanent,
        cause: error,
      });
    }
    if (info.rejected.length > 0) {
      throw new ChannelDeliveryError(`SMTP server rejected ${info.rejected.join(', ')}`, { permanent: true });
    }
    return { messageId: info.messageId, deliveryStatus: 'accepted' };
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
