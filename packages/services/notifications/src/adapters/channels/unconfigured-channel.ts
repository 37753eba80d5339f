import type { ChannelType } from '../../domain/notification.ts';
import {
  ChannelDeliveryError,
  type DeliveryReceipt,
  type NotificationChannel,
} from '../../ports/notification-channel.ts';

/** A channel with no configuration: every notification on it is recorded as `skipped` with the reason. */
export class UnconfiguredChannel implements NotificationChannel {
  readonly type: ChannelType;
  readonly unavailableReason: string;

  constructor(type: ChannelType, variable: string) {
    this.type = type;
    this.unavailableReason = `${type} is not configured (set ${variable})`;
  }

  async send(): Promise<DeliveryReceipt> {
    throw new ChannelDeliveryError(this.unavailableReason, { permanent: true });
  }

  async close(): Promise<void> {}
}
