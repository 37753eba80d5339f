import type { Clock } from '@polyshop/kernel';
import type { ChannelSet } from '../ports/notification-channel.ts';
import type { NotificationRepository } from '../ports/notification-repository.ts';

/** What the notification use cases run on. */
export interface NotificationsDeps {
  repository: NotificationRepository;
  channels: ChannelSet;
  clock: Clock;
  /** Called after a notification was created and committed (the service wakes its delivery worker). */
  onCreated?: () => void;
}
