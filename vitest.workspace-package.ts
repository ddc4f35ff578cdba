// The vitest configuration every package shares. Workspace packages are used from their
// TypeScript sources (the `@xen-ts/source` export condition): they are inlined so Vite resolves
// and transforms them with that condition in the SSR environment tests run in — a clean clone
// has no dist/ to fall back on.
import { defineConfig, type ViteUserConfig } from 'vitest/config';

type TestOptions = NonNullable<ViteUserConfig['test']>;

export function workspacePackageConfig(test: TestOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['@xen-ts/source'] },
    ssr: { resolve: { conditions: ['@xen-ts/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      // beforeAll hooks build guest kernels with gcc on a fresh clone, next to other packages' tests.
      hookTimeout: 300_000,
      server: { deps: { inline: [/@xen-ts\//] } },
      ...test,
    },
  });
}
