import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn the built binary; a cold Node start per case adds up on slow or shared
    // machines. Hooks build models and projects (tsc, bundles): give them room too. A test that
    // could hang has its own, shorter limit and a clear failure message.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Separate processes: tests touch process.env / cwd and spawn children.
    pool: 'forks',
  },
});
