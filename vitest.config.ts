import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn the built binary; a cold Node start per case adds up on slow CI machines.
    testTimeout: 30_000,
    // Separate processes: tests touch process.env / cwd and spawn children.
    pool: 'forks',
  },
});
