/**
 * What the service remembers about recipients, so that events that carry no address (a refund) can
 * still be addressed: users from `user.registered` (and the customer of order events), and each
 * order's user from order events. Erasure blanks the personal fields and keeps a tombstone, so a
 * late event for an erased user sends nothing.
 */
export interface KnownRecipient {
  userId: string;
  email: string | null;
  name: string | null;
  /** Set once the user was erased: nothing is sent to them any more. */
  erasedAt: string | null;
}

/** The user an order belongs to (from `order.*` events), for notices about the order later on. */
export interface OrderRecipient {
  orderId: string;
  userId: string;
  orderNumber: string;
  email: string | null;
  name: string | null;
}
