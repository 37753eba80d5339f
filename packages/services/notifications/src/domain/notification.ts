/**
 * A notification record, shaped as in the seed: one document per notification with its recipient,
 * the template it was rendered from (text and variable values), one delivery entry per channel and
 * metadata. Plain JSON (ISO 8601 strings for times), so every store keeps it as one document.
 */

/** The channels a notification can go out on. */
export const CHANNEL_TYPES = ['email', 'sms', 'push'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function isChannelType(value: unknown): value is ChannelType {
  return typeof value === 'string' && (CHANNEL_TYPES as readonly string[]).includes(value);
}

/**
 * Where one channel's delivery stands:
 * - `pending`: waiting for its (next) attempt at `nextAttemptAt`;
 * - `sent`: handed to the SMTP server or provider (`messageId`, `sentAt`);
 * - `failed`: gave up (attempt limit reached, or a permanent rejection); `error` says why;
 * - `skipped`: not attempted because the channel is not configured or there is no address (`reason`);
 * - `suppressed`: not attempted because the recipient opted out of the channel.
 */
export type ChannelStatus = 'pending' | 'sent' | 'failed' | 'skipped' | 'suppressed';

/** The rendered message one channel delivers (kept so retries survive restarts and template edits). */
export interface RenderedContent {
  /** Email subject / push title. */
  subject?: string;
  /** Plain text (email text part, sms text, push body). */
  body: string;
  /** HTML email part, variables escaped. */
  html?: string;
}

/** One channel of a notification and its delivery log. */
export interface ChannelDelivery {
  type: ChannelType;
  status: ChannelStatus;
  /** Address: email, phone number, or user id (push). `null` once erased. */
  to: string | null;
  /** The template version rendered for this channel. */
  templateVersion: number;
  content: RenderedContent | null;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  sentAt: string | null;
  /** The SMTP server's or provider's message id. */
  messageId: string | null;
  /** What the far side said last (`accepted` once it took the message). */
  deliveryStatus: string | null;
  /** The last error, for a pending retry or a final failure. */
  error: string | null;
  /** Why it was skipped or suppressed. */
  reason: string | null;
}

/** Per-user, per-channel opt-in. */
export interface ChannelPreferences {
  email: boolean;
  sms: boolean;
  push: boolean;
}

export interface NotificationRecipient {
  userId: string | null;
  email: string | null;
  phone: string | null;
  /** The preferences in force when the notification was created. */
  preferences: ChannelPreferences;
}

export interface NotificationTemplateUsed {
  /** Subject template of the primary channel (email if present), as in the seed. */
  subject: string | null;
  /** Body template of the primary channel. */
  body: string;
  /** The variable values it was rendered with. */
  variables: Record<string, unknown>;
  /** Template version used per channel. */
  versions: Partial<Record<ChannelType, number>>;
}

export type NotificationPriority = 'high' | 'normal' | 'low';

export interface NotificationMetadata {
  campaign: string | null;
  priority: NotificationPriority;
  /** Retries made across channels (attempts beyond each channel's first). */
  retryCount: number;
  /** The event that triggered it (absent for ad hoc sends). */
  trigger?: { eventId: string; eventType: string };
  /** Who sent it ad hoc. */
  sentBy?: string;
}

/**
 * The notification's overall state, derived from its channels: `pending` while any channel is;
 * then `sent` (every attempted channel sent), `partially_sent`, `failed` (none sent), or
 * `not_sent` (nothing was attempted: all channels skipped or suppressed).
 */
export type NotificationStatus = 'pending' | 'sent' | 'partially_sent' | 'failed' | 'not_sent';
export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = [
  'pending',
  'sent',
  'partially_sent',
  'failed',
  'not_sent',
];

export interface NotificationRecord {
  id: string;
  /** Notification type (`order_confirmation`); templates are kept per type and channel. */
  type: string;
  status: NotificationStatus;
  recipient: NotificationRecipient;
  template: NotificationTemplateUsed;
  channels: ChannelDelivery[];
  metadata: NotificationMetadata;
  createdAt: string;
  updatedAt: string;
}

export function deriveStatus(channels: readonly ChannelDelivery[]): NotificationStatus {
  if (channels.some((c) => c.status === 'pending')) return 'pending';
  const sent = channels.filter((c) => c.status === 'sent').length;
  const failed = channels.filter((c) => c.status === 'failed').length;
  if (sent > 0) return failed > 0 ? 'partially_sent' : 'sent';
  return failed > 0 ? 'failed' : 'not_sent';
}

export function retryCountOf(channels: readonly ChannelDelivery[]): number {
  return channels.reduce((total, c) => total + Math.max(0, c.attempts - 1), 0);
}

/** When the record next needs the delivery worker: the earliest due time of a pending channel. */
export function nextAttemptOf(record: Pick<NotificationRecord, 'channels'>): string | null {
  const due = record.channels
    .filter((c) => c.status === 'pending' && c.nextAttemptAt)
    .map((c) => c.nextAttemptAt!);
  return due.length === 0 ? null : due.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
}

/** Recomputes the fields derived from the channels (status, retry count) after a change. */
export function withDerivedFields(record: NotificationRecord, now: string): NotificationRecord {
  return {
    ...record,
    status: deriveStatus(record.channels),
    metadata: { ...record.metadata, retryCount: retryCountOf(record.channels) },
    updatedAt: now,
  };
}

/**
 * Applies a new state of one channel. Only a `pending` channel changes: an outcome arriving after the
 * channel was settled otherwise (erasure, a second worker) is ignored. Returns undefined when nothing changed.
 */
export function replaceChannel(
  record: NotificationRecord,
  next: ChannelDelivery,
  now: string,
): NotificationRecord | undefined {
  const index = record.channels.findIndex((c) => c.type === next.type);
  if (index === -1 || record.channels[index]!.status !== 'pending') return undefined;
  const channels = record.channels.map((c, i) => (i === index ? next : c));
  return withDerivedFields({ ...record, channels }, now);
}

/** True when the channel waits for an attempt that is due at `now`. */
export function isDue(channel: ChannelDelivery, now: string): boolean {
  return (
    channel.status === 'pending' &&
    channel.nextAttemptAt !== null &&
    Date.parse(channel.nextAttemptAt) <= Date.parse(now)
  );
}

/**
 * Claims a record's due channels of the given types for one worker until `leaseUntil` (a crashed
 * worker's claim lapses then).
 */
export function claimDueChannels(
  record: NotificationRecord,
  types: readonly ChannelType[],
  now: string,
  leaseUntil: string,
): { record: NotificationRecord; claimed: ChannelType[] } {
  const claimed: ChannelType[] = [];
  const channels = record.channels.map((c) => {
    if (!types.includes(c.type) || !isDue(c, now)) return c;
    claimed.push(c.type);
    return { ...c, nextAttemptAt: leaseUntil };
  });
  return { record: { ...record, channels }, claimed };
}

/** Variables that hold personal data and are blanked when the recipient is erased. */
export const PERSONAL_VARIABLES = ['customerName', 'customerEmail', 'name', 'email', 'phone'];

/**
 * Removes the recipient's personal data from a record (right to erasure): addresses, personal
 * variables and the rendered messages (they contain the name). Pending channels are not sent any more.
 */
export function eraseRecipientData(record: NotificationRecord, now: string): NotificationRecord {
  const variables = { ...record.template.variables };
  for (const key of PERSONAL_VARIABLES) if (key in variables) variables[key] = null;
  const channels = record.channels.map((c): ChannelDelivery => ({
    ...c,
    to: null,
    content: null,
    ...(c.status === 'pending' ? { status: 'skipped', nextAttemptAt: null, reason: 'recipient erased' } : {}),
  }));
  return withDerivedFields(
    {
      ...record,
      recipient: { ...record.recipient, email: null, phone: null },
      template: { ...record.template, variables },
      channels,
    },
    now,
  );
}
