import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { ConflictError } from '../common/domain-errors';
import { AppConfig } from '../config/app-config';

/** How a sealed value sits in the stored kwargs: `{"$sealed": "v1:<key id>:<iv>:<tag>:<ciphertext>"}`. */
export interface SealedValue {
  $sealed: string;
}

/** What every reader outside the handler sees in place of a sensitive value. */
export const MASK = '***';

const VERSION = 'v1';
const IV_BYTES = 12;

export function isSealed(value: unknown): value is SealedValue {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as SealedValue).$sealed === 'string'
  );
}

/** Kwargs fit to be shown: every sealed value (top level) becomes `"***"`. */
export function maskSealed(kwargs: Record<string, unknown>): Record<string, unknown> {
  if (!kwargs || typeof kwargs !== 'object') return kwargs;
  return Object.fromEntries(Object.entries(kwargs).map(([name, value]) => [name, isSealed(value) ? MASK : value]));
}

/** A key's public name: the start of its SHA-256, stored beside each value so the right key opens it after a rotation. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM with `SECRETS_KEY`: seals with the current key, opens with it or any of
 * `SECRETS_KEY_PREVIOUS` (picked by the key id in the value). The field name is the additional
 * authenticated data, so a sealed value cannot be moved to another field.
 */
@Injectable()
export class SecretsCipher {
  private readonly current: { id: string; key: Buffer } | null;
  private readonly keys = new Map<string, Buffer>();
  private readonly fingerprintKey: Buffer | null;

  constructor(config: AppConfig) {
    for (const key of [...config.previousSecretsKeys, ...(config.secretsKey ? [config.secretsKey] : [])]) this.keys.set(keyId(key), key);
    this.current = config.secretsKey ? { id: keyId(config.secretsKey), key: config.secretsKey } : null;
    this.fingerprintKey = config.secretsKey ? createHmac('sha256', config.secretsKey).update('taskgate fingerprint').digest() : null;
  }

  get configured(): boolean {
    return this.current !== null;
  }

  seal(field: string, value: unknown): SealedValue {
    const { id, key } = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(field));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value ?? null), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return { $sealed: [VERSION, id, ...parts].join(':') };
  }

  /** The clear value; a 409 naming the key id when no configured key opens it. */
  open(field: string, sealed: SealedValue): unknown {
    const [version, id, iv, tag, ciphertext] = sealed.$sealed.split(':');
    const key = version === VERSION ? this.keys.get(id) : undefined;
    if (!key || ciphertext === undefined) {
      throw new ConflictError(
        `sensitive argument "${field}" was encrypted with key id ${id ?? '?'}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(field));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const clear = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
      return JSON.parse(clear.toString('utf8')) as unknown;
    } catch {
      throw new ConflictError(`sensitive argument "${field}" could not be decrypted with key id ${id}: it was altered`);
    }
  }

  /** A keyed digest of a value: equal values compare equal (Idempotency-Key), and without the key it says nothing. */
  fingerprint(field: string, value: unknown): string {
    if (!this.fingerprintKey) throw new Error('SECRETS_KEY is not set');
    return createHmac('sha256', this.fingerprintKey)
      .update(`${field}\0${JSON.stringify(value ?? null)}`)
      .digest('hex');
  }

  private requireKey(): { id: string; key: Buffer } {
    if (!this.current) throw new Error('SECRETS_KEY is not set: sensitive arguments cannot be stored');
    return this.current;
  }
}
