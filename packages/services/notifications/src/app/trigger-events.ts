import Type, { type Static } from 'typebox';
import type { OrderEventData as OwnerOrderEvent } from '@polyshop/orders';
import type { PaymentEventData as OwnerPaymentRefunded } from '@polyshop/payments';
import type {
  UserErasedData as OwnerUserErased,
  UserRegisteredData as OwnerUserRegistered,
} from '@polyshop/users';

/**
 * The events the notification service reacts to, with the data it reads from them. Fields it does
 * not read may be present; a required field missing makes the event unreadable (dead-lettered).
 */
const Str = Type.String({ minLength: 1 });
const Decimal = Type.String({ pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$' });

/** `user.registered` v1 (users). */
export const UserRegisteredData = Type.Object({
  userId: Str,
  email: Str,
  name: Type.Optional(Type.String()),
});
/** `user.erased` v1 (users): erase the personal data held about the user. */
export const UserErasedData = Type.Object({ userId: Str });
/** `order.confirmed` / `order.failed` / `order.cancelled` v1 (orders); amounts are decimal strings. */
export const OrderEventData = Type.Object({
  orderId: Str,
  orderNumber: Str,
  userId: Str,
  /** `email` may be absent: then the address known from `user.registered` is used. */
  customer: Type.Object({
    email: Type.Optional(Type.Union([Str, Type.Null()])),
    name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  subtotal: Decimal,
  tax: Decimal,
  shipping: Decimal,
  total: Decimal,
  items: Type.Array(
    Type.Object({
      sku: Type.String(),
      name: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Decimal,
      lineTotal: Decimal,
    }),
  ),
  reasonCode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
/** `payment.refunded` v1 (payments): carries no address; the order's user comes from the recipient projection. */
export const PaymentRefundedData = Type.Object({
  paymentId: Str,
  orderId: Str,
  amount: Decimal,
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  refundedTotal: Decimal,
  reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export type UserRegistered = Static<typeof UserRegisteredData>;
export type UserErased = Static<typeof UserErasedData>;
export type OrderEvent = Static<typeof OrderEventData>;
export type PaymentRefunded = Static<typeof PaymentRefundedData>;

/**
 * The owners' event data must stay readable by the schemas above: each line compiles only while the
 * data `@polyshop/users`, `@polyshop/orders` and `@polyshop/payments` emit (types only, no runtime
 * import) is assignable to what this service reads, so an owner that drops or retypes a field we read
 * breaks this build rather than dead-lettering events at run time.
 */
export const OWNER_EVENTS_READABLE: [
  OwnerUserRegistered extends UserRegistered ? true : false,
  OwnerUserErased extends UserErased ? true : false,
  OwnerOrderEvent extends OrderEvent ? true : false,
  // `payment.refunded` is the payment event that always carries `refundedTotal`.
  OwnerPaymentRefunded & Required<Pick<OwnerPaymentRefunded, 'refundedTotal'>> extends PaymentRefunded
    ? true
    : false,
] = [true, true, true, true];
