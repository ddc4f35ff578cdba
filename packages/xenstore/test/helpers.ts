// Shared by the store tests.
import { Store, XsError } from '../src/index.js';

/** The errno name a call fails with, or 'no error'. */
export function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof XsError) return e.name;
    throw e;
  }
  return 'no error';
}

/** What a toolstack sets up for a new guest: its home owned by it, unreadable to others. */
export function withGuests(...domids: number[]): Store {
  const s = new Store();
  for (const d of domids) {
    s.mkdir(`/local/domain/${d}`);
    s.setPerms(`/local/domain/${d}`, [`n${d}`]);
  }
  return s;
}
