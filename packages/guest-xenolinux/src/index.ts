export { buildKernel, kernelPath, PACKAGE_DIR, BUILD_DIR } from './build.js';
export { writeCpio, readCpio, type CpioEntry, type CpioOptions, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR } from './cpio.js';
export { busyboxInitramfs, busyboxPath, hasBusybox, readBusybox, type BusyboxInitramfsOptions } from './initramfs.js';
export { xenolinuxPort, guestXenolinuxPlugin } from './plugin.js';
export { rootImage, rootImagePath, busyboxApplets } from './root-image.js';
