export * from './test-platform.ts';
export * from './auth-helpers.ts';
export * from './polyshop-process.ts';
