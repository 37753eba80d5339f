import { isIP } from 'node:net';
import { ConfigError } from '@polyshop/kernel';

/** proxy-addr's names for address ranges, accepted in `TRUST_PROXY`. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The proxies of `TRUST_PROXY` (comma-separated addresses, CIDR ranges or `loopback`, `linklocal`,
 * `uniquelocal`) whose `X-Forwarded-For` the HTTP host believes; `[]` when unset. Anything else
 * stops start-up naming the variable (Fastify would otherwise throw an unnamed error).
 */
export function trustedProxies(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyEntry(entry));
  if (bad.length > 0)
    throw new ConfigError([
      {
        variable: 'TRUST_PROXY',
        message: `not an address, CIDR range or loopback/linklocal/uniquelocal: ${bad.join(', ')}`,
      },
    ]);
  return entries;
}
