export * from './test-servers.ts';
export * from './postgres-targets.ts';
export * from './polyglot-targets.ts';
export * from './assert-tables-match-schema.ts';
export * from './eventually.ts';
export * from './schema-tables-suite.ts';
export * from './tcp-proxy.ts';
export * from './repeat-until-stopped.ts';
