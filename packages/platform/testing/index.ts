export * from './test-platform.ts';
