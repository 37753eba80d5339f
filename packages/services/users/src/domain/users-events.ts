import type { EventEnvelope } from '@polyshop/kernel';

/** Data of `user.registered` (version 1): a new account exists (the notification service welcomes it). */
export interface UserRegisteredData {
  userId: string;
  email: string;
  name: string;
}

/** Data of `user.erased` (version 1): the user's personal data was removed; forget it too. */
export interface UserErasedData {
  userId: string;
}

/** Emitted once per new account, in the transaction that creates it. */
export type UserRegistered = EventEnvelope<UserRegisteredData, 'user.registered'>;
/** Emitted once per erasure, in the transaction that anonymises the account. */
export type UserErased = EventEnvelope<UserErasedData, 'user.erased'>;

/** Every event the user service publishes. */
export type UsersEvent = UserRegistered | UserErased;

export const USER_EVENT_TYPES = { registered: 'user.registered', erased: 'user.erased' } as const;
