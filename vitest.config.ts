import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests each start their own embedded servers on ephemeral ports; two cores.
    maxWorkers: 2,
    // Each worker loads the modules once for all its files, not once per file: the suite took
    // 441 s instead of 484 on this machine. Tests restore what they change (mocks, timers, env).
    isolate: false,
  },
});
