// The guest-port plugin: registers XenoLinux under the `GuestPort` token (DESIGN.md §5).
import { GuestPort, PLUGIN_API_VERSION, definePlugin } from '@xen-ts/plugin-api';
import { buildKernel } from './build.js';
import { rootImagePath } from './root-image.js';

export const xenolinuxPort: GuestPort = {
  name: 'xenolinux',
  description: 'XenoLinux: a Linux-like PV kernel (ring 1, 2-level paging) that runs static i386 Linux binaries from an initramfs',
  // Built on demand (make is incremental), so a configuration can name the port right away.
  kernelPath: () => buildKernel({ quiet: true }),
  // Debian busybox with all its applets; the shell is process 1.
  ramdiskPath: rootImagePath,
  defaultCmdline: 'quiet rdinit=/bin/sh',
  devices: ['console'],
};

export const guestXenolinuxPlugin = definePlugin({
  name: 'guest-xenolinux',
  apiVersion: PLUGIN_API_VERSION,
  register(container) {
    container.register(GuestPort, { useValue: xenolinuxPort });
  },
});
