// Loads plugins into the hypervisor's private container (DESIGN.md §5): versions and
// dependencies are checked first, each failure names the plugin and says what to do.
import 'reflect-metadata';
import { LifecycleParticipant, PLUGIN_API_VERSION, type XenPlugin } from '@xen-ts/plugin-api';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';

export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

export class PluginHost {
  /** Private: never the global tsyringe container. */
  readonly container: DependencyContainer = rootContainer.createChildContainer();
  readonly loaded: XenPlugin[] = [];
  private participants: LifecycleParticipant[] = [];

  load(plugins: readonly XenPlugin[]): void {
    const names = new Set<string>();
    for (const p of plugins) {
      if (typeof p !== 'object' || p === null || typeof p.name !== 'string' || typeof p.register !== 'function') {
        throw new PluginError('a plugin must be an object { name, apiVersion, register(container) }');
      }
      if (names.has(p.name)) throw new PluginError(`plugin '${p.name}' is listed twice`);
      names.add(p.name);
      if (p.apiVersion !== PLUGIN_API_VERSION) {
        throw new PluginError(
          `plugin '${p.name}' was written for plugin API ${p.apiVersion}, this hypervisor speaks ${PLUGIN_API_VERSION}; update the plugin package`,
        );
      }
    }
    // Register in dependency order; a missing or cyclic dependency is an error.
    const byName = new Map(plugins.map((p) => [p.name, p]));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (p: XenPlugin, chain: string[]): void => {
      const s = state.get(p.name);
      if (s === 'done') return;
      if (s === 'visiting') throw new PluginError(`plugin dependency cycle: ${[...chain, p.name].join(' → ')}`);
      state.set(p.name, 'visiting');
      for (const dep of p.dependsOn ?? []) {
        const d = byName.get(dep);
        if (d === undefined) throw new PluginError(`plugin '${p.name}' depends on '${dep}', which is not loaded; add it to the plugins list`);
        visit(d, [...chain, p.name]);
      }
      state.set(p.name, 'done');
      p.register(this.container);
      this.loaded.push(p);
    };
    for (const p of plugins) visit(p, []);
  }

  private resolveParticipants(): LifecycleParticipant[] {
    return this.container.isRegistered(LifecycleParticipant, true) ? this.container.resolveAll(LifecycleParticipant) : [];
  }

  initialize(): void {
    this.participants = this.resolveParticipants();
    for (const p of this.participants) p.initialize?.();
  }

  start(): void {
    for (const p of this.participants) p.start?.();
  }

  stop(): void {
    for (const p of [...this.participants].reverse()) p.stop?.();
  }

  dispose(): void {
    for (const p of [...this.participants].reverse()) p.dispose?.();
    this.participants = [];
    this.container.clearInstances();
  }
}
