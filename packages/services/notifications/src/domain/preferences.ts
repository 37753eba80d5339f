import type { ChannelPreferences } from './notification.ts';

/** A user's notification preferences per channel, and the phone number sms goes to. */
export interface NotificationPreferences extends ChannelPreferences {
  userId: string;
  /** E.164 phone number for sms; without one, sms is skipped. */
  phone: string | null;
  /** `null` when the user never saved preferences (the defaults apply). */
  updatedAt: string | null;
}

/** Without saved preferences every channel is on; sms still needs a phone number. */
export const DEFAULT_CHANNEL_PREFERENCES: ChannelPreferences = { email: true, sms: true, push: true };

export const PHONE_PATTERN = '^\\+[1-9][0-9]{6,14}$';

export function defaultPreferences(userId: string): NotificationPreferences {
  return { userId, ...DEFAULT_CHANNEL_PREFERENCES, phone: null, updatedAt: null };
}
