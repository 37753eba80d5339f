#!/usr/bin/env node
// A flash sale on a running platform: `--buyers` shoppers each reserve 1 unit of one SKU, all at once
// (`POST /inventory/reservations`), the traffic spike the seed's inventory trigger is about. Used by
// docs/guide.md; prints how many reservations each status got and the rate they were taken at. Each
// reservation is held for an hour (then it expires and its unit is back on the shelf).
//   TOKEN=<access token with inventory:write> node scripts/flash-sale.mjs --url http://127.0.0.1:3000 --sku DROP-1 [--buyers 300]
// Reservation ids are `<sku>-<n>` in lower case: the same sale again replays them (201, nothing new).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.URL ?? 'http://127.0.0.1:3000' },
    sku: { type: 'string' },
    buyers: { type: 'string', default: '300' },
  },
});
const buyers = Number(values.buyers);
const token = process.env.TOKEN;
if (!values.sku || !Number.isInteger(buyers) || buyers < 1 || !token) {
  console.error(
    'usage: TOKEN=<access token> node scripts/flash-sale.mjs --url <base url> --sku <sku> [--buyers n]',
  );
  process.exit(2);
}
const base = values.url.replace(/\/+$/, '');

/** One buyer's reservation: its HTTP status. */
async function reserve(n) {
  const response = await fetch(`${base}/inventory/reservations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      reservationId: `${values.sku.toLowerCase()}-${n}`,
      items: [{ sku: values.sku, quantity: 1 }],
      ttlSeconds: 3600,
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

console.log(`flash sale: ${buyers} buyers reserve 1 unit of ${values.sku} at once`);
const started = performance.now();
const statuses = await Promise.all(Array.from({ length: buyers }, (_, i) => reserve(i + 1)));
const seconds = (performance.now() - started) / 1000;
const counts = new Map();
for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
for (const [status, count] of [...counts].sort(([a], [b]) => a - b))
  console.log(`  HTTP ${status}: ${count}`);
console.log(`  ${buyers} answers in ${seconds.toFixed(2)} s: ${Math.round(buyers / seconds)} reservations/s`);
process.exitCode = counts.size === 1 && counts.has(201) ? 0 : 1;
