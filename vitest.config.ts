import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'renderer/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Two cores on our machines: more workers only add contention.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
    // The built app under out/ (test host, bundle tests) runs as Node runs it, not through Vite's transform.
    server: { deps: { external: [/\/out\/(main|cli|workers|chunks)\/[^/]+\.mjs$/] } },
  },
});
