import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Endpoint signing secrets. Signing with HMAC needs the secret itself (a hash of it could verify a
 * secret someone shows us, but not sign), so it is stored, encrypted: AES-256-GCM under a key derived
 * (HKDF-SHA256) from WEBHOOK_SECRET_KEY, with the endpoint's id as additional data, so a ciphertext
 * copied onto another endpoint's row does not open. A copy of the database alone signs nothing.
 * The organizer sees the secret once, in the answer that created the endpoint.
 *
 * Stored as iv (12 bytes) || tag (16 bytes) || ciphertext.
 */
export interface WebhookSecrets {
  /** A new secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
  generate(): string;
  seal(secret: string, endpointId: string): Buffer;
  open(sealed: Buffer, endpointId: string): string;
}

export function webhookSecrets(masterKey: string): WebhookSecrets {
  const key = Buffer.from(hkdfSync('sha256', masterKey, 'booking-engine', 'webhook endpoint secrets v1', 32));
  return {
    generate: () => `whsec_${randomBytes(32).toString('base64')}`,
    seal(secret, endpointId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(endpointId));
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed, endpointId) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(endpointId));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
