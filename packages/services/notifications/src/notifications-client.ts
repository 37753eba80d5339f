import type { Logger } from '@polyshop/kernel';
import { AppError } from '@polyshop/kernel';
import { ServiceHttpClient } from '@polyshop/http';
import type { ChannelType, NotificationPriority, NotificationRecord } from './domain/notification.ts';
import type { NotificationPreferences } from './domain/preferences.ts';

/** An ad hoc notification (`POST /notifications`): a type with templates, a recipient, variable values. */
export interface AdHocNotification {
  type: string;
  /** At least one of them. With `userId`, a missing email comes from what the service knows of the user. */
  recipient: { userId?: string; email?: string; phone?: string };
  /** Every variable the type's templates declare. */
  variables: Record<string, unknown>;
  /** Default: every channel the type has a template for. */
  channels?: ChannelType[];
  campaign?: string;
  priority?: NotificationPriority;
}

/** The notification service as other services see it: in-process or over HTTP, same behaviour. */
export interface NotificationsClient {
  /**
   * Creates a notification and queues its delivery; resolves with the record (channels `pending`,
   * `skipped` or `suppressed`). A missing template or variable is an `invalid_input` AppError naming it.
   */
  send(notification: AdHocNotification): Promise<NotificationRecord>;
  /** The record, or undefined. */
  findNotification(id: string): Promise<NotificationRecord | undefined>;
  /** The user's channel preferences (the defaults when never saved). */
  getPreferences(userId: string): Promise<NotificationPreferences>;
}

/**
 * `NotificationsClient` over HTTP (multi-process mode). The routes are guarded: `token` supplies a
 * bearer token holding `notifications:send` and `notifications:read`.
 */
export class NotificationsHttpClient implements NotificationsClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: { logger?: Logger; token?: () => string | undefined } = {}) {
    this.#http = new ServiceHttpClient({ baseUrl, ...options });
  }

  send(notification: AdHocNotification): Promise<NotificationRecord> {
    return this.#http.request<NotificationRecord>({
      method: 'POST',
      path: '/notifications',
      body: notification,
    });
  }

  async findNotification(id: string): Promise<NotificationRecord | undefined> {
    try {
      return await this.#http.request<NotificationRecord>({
        path: `/notifications/${encodeURIComponent(id)}`,
      });
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found') return undefined;
      throw error;
    }
  }

  getPreferences(userId: string): Promise<NotificationPreferences> {
    return this.#http.request<NotificationPreferences>({
      path: `/notifications/preferences/${encodeURIComponent(userId)}`,
    });
  }
}
