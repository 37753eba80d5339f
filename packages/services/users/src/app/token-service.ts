import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError, type Clock } from '@polyshop/kernel';
import type { SigningKeyStore } from '../ports/signing-key-store.ts';

/** The claims of an access token this service issued. */
export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
}

export interface TokenServiceOptions {
  keys: SigningKeyStore;
  clock: Clock;
  issuer: string;
  accessTokenTtlSeconds: number;
  /** A configured private key (PKCS#8 PEM or JWK JSON); without it a stored or generated one is used. */
  privateKey?: string | undefined;
}

type SigningKey = { kid: string; alg: string; privateKey: KeyObject | CryptoKey | Uint8Array };
type VerifyingKey = { alg: string; publicKey: KeyObject | CryptoKey | Uint8Array };

const AUDIENCE = 'polyshop';

function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('USERS_JWT_PRIVATE_KEY must be an Ed25519 or P-256 private key');
}

/**
 * Signs and verifies access tokens (JWT, asymmetric: EdDSA by default) with `jose`, and makes opaque
 * refresh tokens. Keys: the configured one, else the oldest stored one, else one generated and stored
 * on first start — so restarts and other instances keep verifying. An unknown `kid` reloads the store
 * (another instance may have generated the key).
 */
export class TokenService {
  readonly #options: TokenServiceOptions;
  #signing: SigningKey | undefined;
  readonly #verifying = new Map<string, VerifyingKey>();
  /**
   * Tokens whose signature and claims were verified, with their expiry (seconds). A token's signature is
   * a fact about its bytes and the key, and keys are only ever added, so re-verifying (an EdDSA check,
   * ~0.3 ms of CPU) on every request would recompute the same answer; expiry is still checked each time.
   * Whether the session is alive is not cached: `introspect` reads it on every request.
   */
  readonly #verified = new LRUCache<string, { claims: AccessTokenClaims; exp: number }>({ max: 10_000 });

  constructor(options: TokenServiceOptions) {
    this.#options = options;
  }

  /** Loads (or generates and stores) the signing key. */
  async init(): Promise<void> {
    if (this.#options.privateKey) {
      const text = this.#options.privateKey.trim();
      const privateKey = text.startsWith('{')
        ? createPrivateKey({ key: JSON.parse(text) as JWK & { kty: string }, format: 'jwk' })
        : createPrivateKey(text);
      const alg = algorithmOf(privateKey);
      const publicKey = createPublicKey(privateKey);
      const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
      this.#signing = { kid, alg, privateKey };
      this.#verifying.set(kid, { alg, publicKey });
      return;
    }
    if ((await this.#reload()) === 0) {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      await this.#options.keys.add({
        kid,
        algorithm: 'EdDSA',
        privateJwk: await exportJWK(privateKey),
        publicJwk,
        createdAt: this.#options.clock.now(),
      });
      await this.#reload();
    }
  }

  async #reload(): Promise<number> {
    const stored = await this.#options.keys.list();
    for (const key of stored) {
      if (!this.#verifying.has(key.kid))
        this.#verifying.set(key.kid, {
          alg: key.algorithm,
          publicKey: await importJWK(key.publicJwk, key.algorithm),
        });
    }
    const oldest = stored[0];
    if (oldest && !this.#signing) {
      this.#signing = {
        kid: oldest.kid,
        alg: oldest.algorithm,
        privateKey: await importJWK(oldest.privateJwk, oldest.algorithm),
      };
    }
    return stored.length;
  }

  /** A signed access token for the session, valid for the configured lifetime. */
  async issueAccessToken(claims: AccessTokenClaims): Promise<{ token: string; expiresIn: number }> {
    if (!this.#signing) await this.init();
    const signing = this.#signing!;
    const now = Math.floor(this.#options.clock.now().getTime() / 1000);
    const expiresIn = this.#options.accessTokenTtlSeconds;
    const token = await new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'at+jwt' })
      .setIssuer(this.#options.issuer)
      .setAudience(AUDIENCE)
      .setSubject(claims.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(signing.privateKey);
    return { token, expiresIn };
  }

  /** The claims of a valid access token; `unauthorized` for a bad signature, an expired or a foreign token. */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const known = this.#verified.get(token);
    if (known) {
      // The same test as jose's: expired once `exp` is at or before the current whole second.
      if (known.exp > Math.floor(this.#options.clock.now().getTime() / 1000)) return { ...known.claims };
      this.#verified.delete(token);
      throw AppError.unauthorized('AUTH.TOKEN_EXPIRED', 'The access token has expired.');
    }
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          let key = header.kid ? this.#verifying.get(header.kid) : undefined;
          if (!key && header.kid) {
            await this.#reload();
            key = this.#verifying.get(header.kid);
          }
          if (!key || key.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
          return key.publicKey;
        },
        {
          issuer: this.#options.issuer,
          audience: AUDIENCE,
          currentDate: this.#options.clock.now(),
          typ: 'at+jwt',
        },
      );
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || payload.exp === undefined)
        throw new errors.JWTInvalid('missing claims');
      const claims = { userId: payload.sub, sessionId: payload.sid };
      this.#verified.set(token, { claims, exp: payload.exp });
      return { ...claims };
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw AppError.unauthorized('AUTH.TOKEN_EXPIRED', 'The access token has expired.');
      if (error instanceof errors.JOSEError)
        throw AppError.unauthorized('AUTH.TOKEN_INVALID', 'The access token is not valid.');
      throw error;
    }
  }
}

/** A new opaque refresh token (256 random bits). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a refresh token: its SHA-256. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
