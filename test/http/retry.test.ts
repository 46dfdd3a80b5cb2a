// Retry-After and the retry policy.
import { describe, expect, it } from 'vitest';
import { backoff, parseRetryAfter, retryDelay } from '../../src/http/retry.js';

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2024-05-01T10:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('waits what the server asks within the policy, gives up beyond it or when the attempts are used up', () => {
    const policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 60_000 };
    expect(retryDelay(policy, 1, '2')).toBe(2000);
    expect(retryDelay(policy, 1, '61')).toBeUndefined();
    expect(retryDelay(policy, 3, '1')).toBeUndefined();
    // Without Retry-After: exponential backoff, half of it random, capped.
    for (let i = 0; i < 20; i++) {
      expect(backoff(policy, 1)).toBeGreaterThanOrEqual(50);
      expect(backoff(policy, 1)).toBeLessThanOrEqual(100);
      expect(backoff(policy, 5)).toBeGreaterThanOrEqual(150);
      expect(backoff(policy, 5)).toBeLessThanOrEqual(300);
    }
  });
});
