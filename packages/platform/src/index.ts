export * from './platform.ts';
export * from './platform-config.ts';
export * from './service-catalog.ts';
export * from './service-ports.ts';
export * from './platform-events.ts';
export * from './server-urls.ts';
export * from './openapi-document.ts';
