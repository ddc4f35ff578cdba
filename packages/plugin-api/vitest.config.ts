import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@xen-ts/source'] },
  ssr: { resolve: { conditions: ['@xen-ts/source'] } },
  test: { include: ['src/**/*.test.ts'], passWithNoTests: false },
});
