// The plugin shape (DESIGN.md §5): a plain object, no side effects on import. The hypervisor
// builds a private tsyringe container, checks `apiVersion` and `dependsOn`, calls `register`,
// then runs the lifecycle of everything registered under `LifecycleParticipant`.
import type { DependencyContainer, InjectionToken } from 'tsyringe';

/** Major version of this contract. A plugin built for another major is refused at load. */
export const PLUGIN_API_VERSION = 1;

export interface XenPlugin {
  /** Unique, lower-case, e.g. `sched-credit`. */
  readonly name: string;
  /** The {@link PLUGIN_API_VERSION} the plugin was written against. */
  readonly apiVersion: number;
  /** Names of plugins that must be loaded (and registered) before this one. */
  readonly dependsOn?: readonly string[];
  /** Adds the plugin's registrations to the hypervisor's private container. */
  register(container: DependencyContainer): void;
}

/** Optional lifecycle hooks, called in registration order (stop/dispose in reverse). */
export interface LifecycleParticipant {
  initialize?(): void;
  start?(): void;
  stop?(): void;
  dispose?(): void;
}
export const LifecycleParticipant: InjectionToken<LifecycleParticipant> = Symbol('LifecycleParticipant');

/** Identity helper that gives a plugin literal its type. */
export function definePlugin(plugin: XenPlugin): XenPlugin {
  return plugin;
}
