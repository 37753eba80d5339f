import { AppError, type Clock } from '@polyshop/kernel';
import { DEFAULT_TEMPLATES } from '../domain/default-templates.ts';
import type { ChannelType } from '../domain/notification.ts';
import { validateTemplate, type NotificationTemplate, type TemplateContent } from '../domain/template.ts';
import type { TemplateStore } from '../ports/notification-repository.ts';

/** Validates and saves a new template version (`PUT /notifications/templates/{type}/{channel}`). */
export async function saveTemplate(
  templates: TemplateStore,
  clock: Clock,
  type: string,
  channel: ChannelType,
  content: TemplateContent,
  createdBy: string | null,
): Promise<NotificationTemplate> {
  validateTemplate(channel, content);
  return templates.saveVersion(type, channel, content, { createdBy, now: clock.now() });
}

/** The latest version, or a given one; not found is an error. */
export async function getTemplate(
  templates: TemplateStore,
  type: string,
  channel: ChannelType,
  version?: number,
): Promise<NotificationTemplate> {
  const template =
    version === undefined
      ? await templates.findLatest(type, channel)
      : await templates.findVersion(type, channel, version);
  if (!template) {
    throw AppError.notFound(
      'NOTIFICATIONS.TEMPLATE_NOT_FOUND',
      `No ${channel} template for "${type}"${version === undefined ? '' : ` at version ${version}`}.`,
      {
        field: version === undefined ? 'type' : 'version',
      },
    );
  }
  return template;
}

/** Seeds version 1 of every built-in template that has no version yet (safe on every start). */
export async function seedDefaultTemplates(templates: TemplateStore, clock: Clock): Promise<number> {
  let seeded = 0;
  for (const { type, channel, ...content } of DEFAULT_TEMPLATES) {
    validateTemplate(channel, content);
    const created = await templates.createInitial({
      type,
      channel,
      subject: content.subject ?? null,
      body: content.body,
      html: content.html ?? null,
      variables: content.variables,
      description: content.description ?? `built-in ${type} ${channel} template`,
      createdAt: clock.now().toISOString(),
      createdBy: null,
    });
    if (created) seeded += 1;
  }
  return seeded;
}
