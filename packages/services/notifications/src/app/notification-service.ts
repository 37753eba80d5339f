import { AppError } from '@polyshop/kernel';
import type { ChannelType, NotificationRecord } from '../domain/notification.ts';
import type { NotificationPreferences } from '../domain/preferences.ts';
import type { NotificationTemplate, TemplateContent } from '../domain/template.ts';
import type { AdHocNotification, NotificationsClient } from '../notifications-client.ts';
import type { NotificationPage, NotificationQuery } from '../ports/notification-repository.ts';
import { createNotification } from './create-notification.ts';
import { getPreferences, updatePreferences, type PreferencesUpdate } from './manage-preferences.ts';
import { getTemplate, saveTemplate } from './manage-templates.ts';
import type { NotificationsDeps } from './notifications-deps.ts';

/** The service's use cases, as the HTTP routes and the in-process client call them. */
export class NotificationService implements NotificationsClient {
  readonly #deps: NotificationsDeps;

  constructor(deps: NotificationsDeps) {
    this.#deps = deps;
  }

  async send(notification: AdHocNotification, sentBy?: string): Promise<NotificationRecord> {
    const { userId, email, phone } = notification.recipient;
    if (!userId && !email && !phone) {
      throw AppError.invalidInput(
        'NOTIFICATIONS.RECIPIENT_REQUIRED',
        'Give the recipient a userId, an email or a phone.',
        { field: 'recipient' },
      );
    }
    const record = await createNotification(
      this.#deps,
      {
        type: notification.type,
        recipient: notification.recipient,
        variables: notification.variables,
        ...(notification.channels ? { channels: notification.channels } : {}),
        campaign: notification.campaign ?? null,
        priority: notification.priority ?? 'normal',
        ...(sentBy ? { sentBy } : {}),
      },
      { strict: true },
    );
    this.#deps.onCreated?.();
    return record!;
  }

  findNotification(id: string): Promise<NotificationRecord | undefined> {
    return this.#deps.repository.records.find(id);
  }

  async getNotification(id: string): Promise<NotificationRecord> {
    const record = await this.findNotification(id);
    if (!record)
      throw AppError.notFound('NOTIFICATIONS.NOT_FOUND', `Notification ${id} does not exist.`, {
        field: 'id',
      });
    return record;
  }

  listNotifications(query: NotificationQuery): Promise<NotificationPage> {
    if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) {
      throw AppError.invalidInput('NOTIFICATIONS.INVALID_RANGE', '`from` must be before `to`.', {
        field: 'from',
      });
    }
    return this.#deps.repository.records.list(query);
  }

  getPreferences(userId: string): Promise<NotificationPreferences> {
    return getPreferences(this.#deps.repository.preferences, userId);
  }

  updatePreferences(userId: string, update: PreferencesUpdate): Promise<NotificationPreferences> {
    return updatePreferences(this.#deps.repository.preferences, this.#deps.clock, userId, update);
  }

  saveTemplate(
    type: string,
    channel: ChannelType,
    content: TemplateContent,
    createdBy: string | null,
  ): Promise<NotificationTemplate> {
    return saveTemplate(this.#deps.repository.templates, this.#deps.clock, type, channel, content, createdBy);
  }

  getTemplate(type: string, channel: ChannelType, version?: number): Promise<NotificationTemplate> {
    return getTemplate(this.#deps.repository.templates, type, channel, version);
  }

  listTemplates(): Promise<NotificationTemplate[]> {
    return this.#deps.repository.templates.listLatest();
  }

  listTemplateVersions(type: string, channel: ChannelType): Promise<NotificationTemplate[]> {
    return this.#deps.repository.templates.listVersions(type, channel);
  }
}
