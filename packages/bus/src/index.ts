export * from './event-bus.ts';
export * from './in-process-event-bus.ts';
export * from './nats-event-bus.ts';
export * from './dead-letter-store.ts';
export * from './dead-letters.ts';
export * from './postgres/postgres-dead-letter-store.ts';
export * from './trace-context.ts';
