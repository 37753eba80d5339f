import type { ServiceName } from '@polyshop/http';

/** Default port of each service when run alone (`polyshop serve <service>`). */
export const SERVICE_PORTS: Record<ServiceName, number> = {
  users: 3001,
  products: 3002,
  inventory: 3003,
  payments: 3004,
  orders: 3005,
  notifications: 3006,
  search: 3007,
};

/** Where another service is reached in multi-process mode: `POLYSHOP_<NAME>_URL`, else its default port on loopback. */
export function serviceUrl(name: ServiceName, env: NodeJS.ProcessEnv): string {
  return env[`POLYSHOP_${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${SERVICE_PORTS[name]}`;
}
