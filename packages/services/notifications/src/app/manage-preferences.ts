import type { Clock } from '@polyshop/kernel';
import { defaultPreferences, type NotificationPreferences } from '../domain/preferences.ts';
import type { PreferenceStore } from '../ports/notification-repository.ts';

/** What a user sets (`PUT /notifications/preferences/{userId}`). */
export interface PreferencesUpdate {
  email: boolean;
  sms: boolean;
  push: boolean;
  /** E.164 number for sms; omitted keeps the stored one, `null` removes it. */
  phone?: string | null;
}

/** The user's preferences, or the defaults when they never saved any. */
export async function getPreferences(
  preferences: PreferenceStore,
  userId: string,
): Promise<NotificationPreferences> {
  return (await preferences.find(userId)) ?? defaultPreferences(userId);
}

export async function updatePreferences(
  preferences: PreferenceStore,
  clock: Clock,
  userId: string,
  update: PreferencesUpdate,
): Promise<NotificationPreferences> {
  const phone = update.phone === undefined ? ((await preferences.find(userId))?.phone ?? null) : update.phone;
  return preferences.save({
    userId,
    email: update.email,
    sms: update.sms,
    push: update.push,
    phone,
    updatedAt: clock.now().toISOString(),
  });
}
