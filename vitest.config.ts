import { defineConfig } from 'vitest/config';

// Integration tests build real namespaces and OVS instances and take a leak census of the
// whole machine afterwards, so test files must never run concurrently.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
