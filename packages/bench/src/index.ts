export * from './measure.ts';
export * from './scenario.ts';
