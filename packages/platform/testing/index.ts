export * from './test-platform.ts';
export * from './auth-helpers.ts';
export * from './polyshop-process.ts';
export * from './in-process-migration.ts';
export * from './live-service-move.ts';
export * from './http-inject.ts';
