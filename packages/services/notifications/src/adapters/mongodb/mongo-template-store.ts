import { AppError } from '@polyshop/kernel';
import { duplicateKeyIndex } from '@polyshop/stores';
import type { Collection } from 'mongodb';
import type { ChannelType } from '../../domain/notification.ts';
import type { NotificationTemplate, TemplateContent } from '../../domain/template.ts';
import type { TemplateStore } from '../../ports/notification-repository.ts';
import {
  NOTIFICATION_COLLECTIONS,
  templateDoc,
  templateFromDoc,
  templateId,
  type TemplateDoc,
} from './mongo-notification-documents.ts';
import type { MongoScope } from './mongo-scope.ts';

/** Concurrent saves of one (type, channel) that may collide on a version before one gives up. */
const SAVE_ATTEMPTS = 20;

/**
 * Template versions in `notifications_templates`, one document per version with `_id`
 * `<type>:<channel>:<version>`: two saves that pick the same next version collide on the `_id`,
 * and the loser takes the following one.
 */
export class MongoTemplateStore implements TemplateStore {
  readonly #scope: MongoScope;
  readonly #templates: Collection<TemplateDoc>;

  constructor(scope: MongoScope) {
    this.#scope = scope;
    this.#templates = scope.db.collection<TemplateDoc>(NOTIFICATION_COLLECTIONS.templates);
  }

  async saveVersion(
    type: string,
    channel: ChannelType,
    content: TemplateContent,
    by: { createdBy: string | null; now: Date },
  ): Promise<NotificationTemplate> {
    for (let attempt = 1; ; attempt++) {
      const latest = await this.findLatest(type, channel);
      const template: NotificationTemplate = {
        type,
        channel,
        version: (latest?.version ?? 0) + 1,
        subject: content.subject ?? null,
        body: content.body,
        html: content.html ?? null,
        variables: content.variables,
        description: content.description ?? null,
        createdAt: by.now.toISOString(),
        createdBy: by.createdBy,
      };
      const id = templateId(type, channel, template.version);
      const stamp = await this.#scope.prepareWrite(this.#templates, { ids: [id], before: [] });
      try {
        await this.#templates.insertOne(templateDoc(template, stamp), this.#scope.options);
        return template;
      } catch (error) {
        if (duplicateKeyIndex(error) === undefined) throw error;
        if (attempt >= SAVE_ATTEMPTS) {
          throw AppError.conflict(
            'NOTIFICATIONS.TEMPLATE_BUSY',
            `Template ${type}/${channel} is being saved by others right now; try again.`,
            { field: 'body' },
          );
        }
      }
    }
  }

  async createInitial(template: Omit<NotificationTemplate, 'version'>): Promise<boolean> {
    const id = templateId(template.type, template.channel, 1);
    const stamp = await this.#scope.prepareWrite(this.#templates, { ids: [id] });
    // An upsert that only inserts: no duplicate-key error, which would abort a surrounding transaction.
    const { _id, ...fields } = templateDoc({ ...template, version: 1 }, stamp);
    const written = await this.#templates.updateOne(
      { _id },
      { $setOnInsert: fields },
      { upsert: true, ...this.#scope.options },
    );
    return written.upsertedCount === 1;
  }

  async findLatest(type: string, channel: ChannelType): Promise<NotificationTemplate | undefined> {
    const doc = await this.#templates.findOne(
      { type, channel },
      { sort: { version: -1 }, ...this.#scope.options },
    );
    return doc ? templateFromDoc(doc) : undefined;
  }

  async findLatestOf(type: string, channels: readonly ChannelType[]): Promise<NotificationTemplate[]> {
    const latest: NotificationTemplate[] = [];
    // One at a time: the reads may share a session (a transaction's), which takes one operation at a time.
    for (const channel of channels) {
      const template = await this.findLatest(type, channel);
      if (template) latest.push(template);
    }
    return latest;
  }

  async findVersion(
    type: string,
    channel: ChannelType,
    version: number,
  ): Promise<NotificationTemplate | undefined> {
    const doc = await this.#templates.findOne(
      { _id: templateId(type, channel, version) },
      this.#scope.options,
    );
    return doc ? templateFromDoc(doc) : undefined;
  }

  async listLatest(): Promise<NotificationTemplate[]> {
    const docs = await this.#templates
      .aggregate<TemplateDoc>(
        [
          { $sort: { type: 1, channel: 1, version: -1 } },
          { $group: { _id: { type: '$type', channel: '$channel' }, latest: { $first: '$$ROOT' } } },
          { $replaceRoot: { newRoot: '$latest' } },
          { $sort: { type: 1, channel: 1 } },
        ],
        this.#scope.options,
      )
      .toArray();
    return docs.map(templateFromDoc);
  }

  async listVersions(type: string, channel: ChannelType): Promise<NotificationTemplate[]> {
    const docs = await this.#templates
      .find({ type, channel }, this.#scope.options)
      .sort({ version: -1 })
      .toArray();
    return docs.map(templateFromDoc);
  }
}
