export * from './event-bus.ts';
export * from './in-process-event-bus.ts';
export * from './nats-event-bus.ts';
