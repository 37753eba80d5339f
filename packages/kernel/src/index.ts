export * from './errors.ts';
export * from './problem.ts';
export * from './money.ts';
export * from './ids.ts';
export * from './clock.ts';
export * from './config.ts';
export * from './logger.ts';
export * from './events.ts';
