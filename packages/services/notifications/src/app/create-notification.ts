import { AppError, newId } from '@polyshop/kernel';
import {
  CHANNEL_TYPES,
  withDerivedFields,
  type ChannelDelivery,
  type ChannelPreferences,
  type ChannelType,
  type NotificationMetadata,
  type NotificationPriority,
  type NotificationRecord,
  type RenderedContent,
} from '../domain/notification.ts';
import { DEFAULT_CHANNEL_PREFERENCES } from '../domain/preferences.ts';
import type { KnownRecipient } from '../domain/recipient.ts';
import { renderTemplate, type NotificationTemplate } from '../domain/template.ts';
import type { NotificationsDeps } from './notifications-deps.ts';

/** A notification to create: whom, which type, with which variable values. */
export interface NotificationRequest {
  type: string;
  recipient: { userId?: string | null; email?: string | null; phone?: string | null };
  variables: Record<string, unknown>;
  /** Channels to use; default: every channel the type has a template for. */
  channels?: ChannelType[];
  campaign?: string | null;
  priority?: NotificationPriority;
  trigger?: NotificationMetadata['trigger'];
  sentBy?: string;
}

/**
 * `strict` (ad hoc sends): a missing template or variable is an error for the caller.
 * Lenient (event triggers): a channel whose template cannot be rendered is recorded as `failed`
 * with the reason, the other channels still go out, and a type without templates creates nothing.
 */
export interface CreateOptions {
  strict: boolean;
  /**
   * The recipient's projection as the caller's unit of work already read it (undefined: none), so
   * that it is not read again.
   */
  known?: KnownRecipient | undefined;
}

interface Address {
  email: string | null;
  phone: string | null;
  userId: string | null;
}

function addressFor(channel: ChannelType, address: Address): string | null {
  return channel === 'email' ? address.email : channel === 'sms' ? address.phone : address.userId;
}

const NO_ADDRESS: Record<ChannelType, string> = {
  email: 'no email address',
  sms: 'no phone number',
  push: 'no user id',
};

/** A channel entry before any attempt. */
function entry(
  template: NotificationTemplate,
  to: string | null,
  state: Pick<ChannelDelivery, 'status'> & Partial<ChannelDelivery>,
): ChannelDelivery {
  return {
    type: template.channel,
    to,
    templateVersion: template.version,
    content: null,
    attempts: 0,
    nextAttemptAt: null,
    sentAt: null,
    messageId: null,
    deliveryStatus: null,
    error: null,
    reason: null,
    ...state,
  };
}

function render(
  template: NotificationTemplate,
  variables: Record<string, unknown>,
  options: CreateOptions,
): RenderedContent | AppError {
  try {
    return renderTemplate(template, variables);
  } catch (error) {
    if (options.strict || !(error instanceof AppError)) throw error;
    return error;
  }
}

/**
 * Creates a notification record: picks the latest template version per channel, renders it, and
 * decides each channel's fate — `suppressed` when the user opted out, `skipped` when the channel is
 * not configured or there is no address, else `pending` (due now) for the delivery worker.
 * Resolves to undefined when a lenient request finds no template or the user was erased.
 */
export async function createNotification(
  deps: NotificationsDeps,
  request: NotificationRequest,
  options: CreateOptions,
): Promise<NotificationRecord | undefined> {
  const { repository } = deps;
  const userId = request.recipient.userId ?? null;
  const known = userId && !('known' in options) ? await repository.recipients.find(userId) : options.known;
  if (known?.erasedAt) {
    if (options.strict)
      throw AppError.conflict(
        'NOTIFICATIONS.RECIPIENT_ERASED',
        `User ${userId} was erased; nothing is sent to them.`,
        { field: 'recipient.userId' },
      );
    return undefined;
  }
  const saved = userId ? await repository.preferences.find(userId) : undefined;
  const preferences: ChannelPreferences = saved
    ? { email: saved.email, sms: saved.sms, push: saved.push }
    : { ...DEFAULT_CHANNEL_PREFERENCES };
  const address: Address = {
    userId,
    email: request.recipient.email ?? known?.email ?? null,
    phone: request.recipient.phone ?? saved?.phone ?? null,
  };

  const templates = await repository.templates.findLatestOf(request.type, request.channels ?? CHANNEL_TYPES);
  const missing = request.channels?.find((channel) => !templates.some((t) => t.channel === channel));
  if (options.strict && missing) {
    throw AppError.invalidInput(
      'NOTIFICATIONS.TEMPLATE_NOT_FOUND',
      `There is no ${missing} template for "${request.type}".`,
      { field: 'channels' },
    );
  }
  if (templates.length === 0) {
    if (options.strict)
      throw AppError.invalidInput(
        'NOTIFICATIONS.TEMPLATE_NOT_FOUND',
        `There is no template for "${request.type}".`,
        { field: 'type' },
      );
    return undefined;
  }

  const now = deps.clock.now().toISOString();
  const channels = templates.map((template): ChannelDelivery => {
    const type = template.channel;
    const content = render(template, request.variables, options);
    const to = addressFor(type, address);
    if (content instanceof AppError) return entry(template, to, { status: 'failed', error: content.message });
    if (!preferences[type])
      return entry(template, to, { status: 'suppressed', reason: `recipient opted out of ${type}` });
    const unavailable = deps.channels[type].unavailableReason;
    if (unavailable) return entry(template, to, { status: 'skipped', reason: unavailable });
    if (!to) return entry(template, null, { status: 'skipped', reason: NO_ADDRESS[type] });
    return entry(template, to, { status: 'pending', content, nextAttemptAt: now });
  });

  const primary = templates.find((t) => t.channel === 'email') ?? templates[0]!;
  const metadata: NotificationMetadata = {
    campaign: request.campaign ?? null,
    priority: request.priority ?? 'normal',
    retryCount: 0,
  };
  if (request.trigger) metadata.trigger = request.trigger;
  if (request.sentBy) metadata.sentBy = request.sentBy;
  const record = withDerivedFields(
    {
      id: newId(),
      type: request.type,
      status: 'pending',
      recipient: { userId, email: address.email, phone: address.phone, preferences },
      template: {
        subject: primary.subject,
        body: primary.body,
        variables: request.variables,
        versions: Object.fromEntries(templates.map((t) => [t.channel, t.version])),
      },
      channels,
      metadata,
      createdAt: now,
      updatedAt: now,
    },
    now,
  );
  await repository.records.create(record);
  return record;
}
