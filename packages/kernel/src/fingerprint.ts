import { createHmac } from 'node:crypto';

/**
 * A request fingerprint that may cover secrets: HMAC-SHA256 (hex) of the JSON of `parts` under `key`.
 * Two requests are the same when their fingerprints are; a card number inside `parts` cannot be
 * recovered, nor a guess tested, without the key (an unkeyed hash of a card number falls to trying
 * the few digits between the issuer prefix and the last four).
 */
export function keyedFingerprint(key: Uint8Array, parts: unknown): string {
  return createHmac('sha256', key).update(JSON.stringify(parts)).digest('hex');
}
