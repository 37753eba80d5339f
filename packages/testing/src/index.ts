export * from './test-servers.ts';
export * from './postgres-targets.ts';
