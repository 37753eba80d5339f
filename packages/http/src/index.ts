export * from './create-http-app.ts';
export * from './problem-handler.ts';
export * from './authorizer.ts';
export * from './service-module.ts';
export * from './schemas.ts';
export * from './problem-responses.ts';
export * from './service-http-client.ts';
export * from './latency-window.ts';
