// Key material for signing tests, generated per run (never checked in).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export function pkcs8Pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export const testKeys = {
  p256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  p384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  rsa2048: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  rsa1024: () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
  ed25519: () => generateKeyPairSync('ed25519').privateKey,
};
