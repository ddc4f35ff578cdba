// The guest-port plugin: registers XenoLinux under the `GuestPort` token (DESIGN.md §5).
import { GuestPort, PLUGIN_API_VERSION, definePlugin } from '@xen-ts/plugin-api';
import { kernelPath } from './build.js';

export const xenolinuxPort: GuestPort = {
  name: 'xenolinux',
  description: 'XenoLinux: a Linux-like PV kernel (ring 1, 2-level paging) that runs static i386 Linux binaries from an initramfs',
  kernelPath,
  defaultCmdline: 'quiet',
  devices: ['console'],
};

export const guestXenolinuxPlugin = definePlugin({
  name: 'guest-xenolinux',
  apiVersion: PLUGIN_API_VERSION,
  register(container) {
    container.register(GuestPort, { useValue: xenolinuxPort });
  },
});
