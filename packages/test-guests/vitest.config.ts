import { defineConfig } from 'vitest/config';

// Workspace packages are used from their TypeScript sources (the `@xen-ts/source`
// export condition): inline them so Vite resolves and transforms them, with the
// condition set for the SSR environment tests run in.
export default defineConfig({
  resolve: { conditions: ['@xen-ts/source'] },
  ssr: { resolve: { conditions: ['@xen-ts/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    server: { deps: { inline: [/@xen-ts\//] } },
  },
});
