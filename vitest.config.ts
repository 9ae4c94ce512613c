import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast (they must not open the engine: its native addon cannot live in a
// worker thread). Integration tests each open the embedded engine, which allows
// one data directory per process, so every test file runs in its own forked process.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], pool: 'threads', sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          setupFiles: ['./test/helpers/cleanup.ts'],
          pool: 'forks',
          isolate: true,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // expect.poll waits for pages and flushes; with two engines busy at once, 1 s (the default) is too short.
          expect: { poll: { timeout: 10_000 } },
          fileParallelism: true,
          maxWorkers: 2,
          // Unit tests run first; integration files (one engine each) follow, two at a time.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
