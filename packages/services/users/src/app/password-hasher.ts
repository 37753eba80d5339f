import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 64;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...options, maxmem: 256 * options.N! * options.r! },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/**
 * Password hashing with scrypt (node:crypto). Hashes are self-describing
 * (`scrypt$N$r$p$salt$hash`, base64url), so the cost can be raised without invalidating old ones.
 */
export class PasswordHasher {
  readonly #cost: number;
  #dummy: Promise<string> | undefined;

  constructor(options: { cost?: number } = {}) {
    this.#cost = options.cost ?? 16_384;
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, { N: this.#cost, r: 8, p: 1 });
    return ['scrypt', this.#cost, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** True when `password` matches `hash`; a malformed hash never matches. Compared in constant time. */
  async verify(password: string, hash: string): Promise<boolean> {
    const [scheme, n, r, p, salt, expected] = hash.split('$');
    if (scheme !== 'scrypt' || !salt || !expected) return false;
    const expectedKey = Buffer.from(expected, 'base64url');
    const key = await derive(password, Buffer.from(salt, 'base64url'), {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    });
    return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
  }

  /** Spends the same work as a real check, so an unknown account answers as slowly as a wrong password. */
  async verifyNothing(password: string): Promise<false> {
    this.#dummy ??= this.hash('polyshop-dummy-password');
    await this.verify(password, await this.#dummy);
    return false;
  }
}
