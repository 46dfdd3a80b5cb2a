// The service account a token names.
import { describe, expect, it } from 'vitest';
import { serviceAccountOfToken } from '../../src/kube/config.js';

describe('service account of a token', () => {
  it('reads sub from the JWT claims, and nothing from a token that is not a JWT', () => {
    const claims = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:ci:pipeline' })).toString(
      'base64url',
    );
    expect(serviceAccountOfToken(`h.${claims}.s`)).toEqual({ namespace: 'ci', name: 'pipeline' });
    expect(serviceAccountOfToken('opaque-token')).toBeUndefined();
  });
});
