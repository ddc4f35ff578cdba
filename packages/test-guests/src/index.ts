export { buildGuests, guestPath, LAYOUTS, PACKAGE_DIR, BUILD_DIR } from './build.js';
export type { Layout } from './build.js';
export { TEST_GUESTS, TOOL_GUESTS, findGuest, guestCmdline } from './guests.js';
export type { TestGuest, GuestOutcome } from './guests.js';
export { parseXenNotes, XenNoteType } from './elf-notes.js';
export type { XenNotes } from './elf-notes.js';
