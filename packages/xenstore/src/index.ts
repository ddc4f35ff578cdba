export { XsError, isXsError, type XsErrorName } from './errors.js';
export {
  INTRODUCE_DOMAIN_PATH,
  RELEASE_DOMAIN_PATH,
  canonicalize,
  domainPath,
  isChildOf,
  parseDomid,
  type CanonicalPath,
} from './path.js';
export { accessFor, formatPerm, inheritPerms, parsePerm, parsePerms, type Access, type Perm, type PermLetter } from './permissions.js';
export type { Node } from './node-table.js';
export type { WatchCallback } from './watches.js';
export {
  Store,
  type AttachedConnection,
  type CallerOptions,
  type DirectoryListing,
  type StoreOptions,
} from './store.js';
export { handleRequest, type Reply, type RequestContext } from './wire.js';
export { SERVER_FEATURES, XenstoreConnection, encodeMessage, type XenstoreConnectionOptions } from './connection.js';
