import type { JWK } from 'jose';

/** A token-signing key pair. */
export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: Date;
}

/** Where generated signing keys are kept so restarts and other processes keep verifying. */
export interface SigningKeyStore {
  /** Every key, oldest first (the oldest is the one to sign with). */
  list(): Promise<StoredSigningKey[]>;
  /** Adds a key unless one with its kid exists. */
  add(key: StoredSigningKey): Promise<void>;
}
