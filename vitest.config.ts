import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real peers (registry, kube-apiserver) and run the built CLI.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/harness/temporary-directory.ts'],
    reporters: ['default'],
  },
});
