import type { BenchPlatform } from '../http-session.ts';

/** Reserves one unit of `sku` through `POST /inventory/reservations`; true on 201. */
export async function reserveOne(bench: BenchPlatform, sku: string, id: string): Promise<boolean> {
  const { status } = await bench.call('POST', '/inventory/reservations', {
    reservationId: id,
    items: [{ sku, quantity: 1 }],
    ttlSeconds: 3600,
  });
  return status === 201;
}

/**
 * Sells out `sku`, stocked with `units`, to twice as many concurrent 1-unit reservations: exactly
 * `units` must succeed and reads must show `reserved` equal to the accepted ones. Returns the units
 * oversold (0 expected) and how many were accepted.
 */
export async function sellOut(
  bench: BenchPlatform,
  sku: string,
  units: number,
): Promise<{ oversold: number; accepted: number }> {
  const answers = await Promise.all(
    Array.from({ length: units * 2 }, (_, i) => reserveOne(bench, sku, `sellout-${sku}-${i}`)),
  );
  const accepted = answers.filter(Boolean).length;
  const { body } = await bench.call('GET', `/inventory/${sku}`);
  const { quantity, reserved } = body as { quantity: number; reserved: number };
  if (reserved !== accepted)
    throw new Error(`${sku}: ${accepted} reservations accepted but ${reserved} reserved`);
  return { oversold: Math.max(0, reserved - quantity, accepted - units), accepted };
}
