// The contract as vitest blocks, for a scheduler package's own test suite.
import type { SchedulerRegistration } from '@xen-ts/plugin-api';
import { describe, expect, it } from 'vitest';
import { contractChecks, type ContractOptions } from './contract.js';

/** Registers `describe('<name> scheduler contract')` with one `it` per contract check. */
export function describeSchedulerContract(registration: SchedulerRegistration, options: ContractOptions): void {
  describe(`${registration.name} scheduler contract`, () => {
    for (const [name, check] of Object.entries(contractChecks)) {
      it(name, () => {
        expect(check(registration, options)).toEqual([]);
      });
    }
  });
}
