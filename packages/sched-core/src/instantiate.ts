// How a scheduler plugin's class becomes an instance: one child container per scheduler
// instance (Xen: one `struct scheduler` per cpupool), holding the context and the pool options,
// so the hypervisor and the tests build schedulers the same way.
import 'reflect-metadata';
import {
  SchedulerContext,
  SchedulerOptions,
  type Scheduler,
  SchedulerRegistration,
} from '@xen-ts/plugin-api';
import type { DependencyContainer } from 'tsyringe';

/**
 * Resolves `registration.scheduler` in a child of `container` where `SchedulerContext` is
 * `context` and `SchedulerOptions` is `options`. The parent's registrations stay visible.
 */
export function instantiateScheduler(
  container: DependencyContainer,
  registration: SchedulerRegistration,
  context: SchedulerContext,
  options: SchedulerOptions = {},
): Scheduler {
  const child = container.createChildContainer();
  child.register(SchedulerContext, { useValue: context });
  child.register(SchedulerOptions, { useValue: Object.freeze({ ...options }) });
  return child.resolve(registration.scheduler);
}

/** Finds the registration named `name` among those plugins registered in `container`. */
export function findSchedulerRegistration(container: DependencyContainer, name: string): SchedulerRegistration {
  const registrations = container.isRegistered(SchedulerRegistration, true)
    ? container.resolveAll(SchedulerRegistration)
    : [];
  const found = registrations.find((registration) => registration.name === name);
  if (!found) {
    const known = registrations.map((registration) => registration.name).join(', ') || 'none';
    throw new Error(`no scheduler named '${name}' is registered (known: ${known})`);
  }
  return found;
}
