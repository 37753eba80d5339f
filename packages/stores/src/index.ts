export * from './postgres/index.ts';
export * from './mongodb/open-mongodb.ts';
export * from './mongodb/mongo-outbox.ts';
export * from './mongodb/mongo-outbox-relay.ts';
export * from './mongodb/mongo-errors.ts';
export * from './dynamodb/open-dynamodb.ts';
export * from './opensearch/open-opensearch.ts';
export * from './store-selection.ts';
