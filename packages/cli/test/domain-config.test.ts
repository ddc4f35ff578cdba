import { describe, expect, it } from 'vitest';
import { parseDiskSpec, parseVifSpec } from '../src/config/device-specs.js';
import { parseDomainConfig } from '../src/config/domain-config.js';

const base = { baseDir: '/etc/xen' };

describe('domain config (xl.cfg keys)', () => {
  it('maps every supported key', () => {
    const spec = parseDomainConfig(
      [
        'name = "web"',
        'memory = 48',
        'vcpus = 2',
        'kernel = "kernels/web.elf"',
        "ramdisk = '/boot/initrd.img'",
        'root = "/dev/xvda1 ro"',
        'extra = "console=hvc0"',
        'on_crash = "preserve"',
        'on_poweroff = "restart"',
        'on_reboot = "restart"',
        'cpu_weight = 512',
        'cap = 50',
        'bvt_mcuadv = 20',
        'bvt_warp = 5',
        "disk = [ 'web.img,raw,xvda,rw', 'format=qcow2, vdev=xvdb, access=ro, target=/srv/a,b.qcow2' ]",
        "vif = [ 'mac=00:16:3E:74:34:32,bridge=xenbr1', '' ]",
        'uuid = "1234"',
      ].join('\n'),
      '/etc/xen/web.cfg',
      base,
    );
    expect(spec).toMatchObject({
      source: '/etc/xen/web.cfg',
      name: 'web',
      type: 'pv',
      kernel: '/etc/xen/kernels/web.elf',
      ramdisk: '/boot/initrd.img',
      cmdline: 'root=/dev/xvda1 ro console=hvc0',
      memoryMb: 48,
      vcpus: 2,
      onCrash: 'preserve',
      onPoweroff: 'restart',
      sched: { credit: { weight: 512, cap: 50 }, bvt: { mcuadv: 20, warp: 5 } },
      ignored: ['uuid'],
    });
    expect(spec.disks).toEqual([
      { target: '/etc/xen/web.img', format: 'raw', vdev: 'xvda', access: 'rw', devtype: 'disk', backend: '0' },
      { target: '/srv/a,b.qcow2', format: 'qcow2', vdev: 'xvdb', access: 'ro', devtype: 'disk', backend: '0' },
    ]);
    expect(spec.vifs.map((v) => [v.devid, v.mac, v.bridge])).toEqual([
      [0, '00:16:3e:74:34:32', 'xenbr1'],
      [1, undefined, 'xenbr0'],
    ]);
  });

  it('lets cmdline override root and extra, and defaults the rest as xl does', () => {
    const spec = parseDomainConfig('name="a"\nkernel="/k"\ncmdline="quiet"\nroot="/dev/x"\nextra="y"', '/c/a.cfg');
    expect(spec.cmdline).toBe('quiet');
    expect(spec.memoryMb).toBe(128);
    expect(spec.vcpus).toBe(1);
    expect(spec.onCrash).toBe('destroy');
    expect(spec.onPoweroff).toBe('destroy');
    expect(parseDomainConfig('name="a"\nkernel="/k"', '/c/a.cfg').cmdline).toBeUndefined();
  });

  it('lets a guest port supply the kernel', () => {
    const spec = parseDomainConfig('name = "lx"\ntype = "xenolinux"', '/c/lx.cfg');
    expect(spec.type).toBe('xenolinux');
    expect(spec.kernel).toBeUndefined();
  });

  const errors: [string, string, RegExp][] = [
    ['missing name', 'kernel = "/k"', /^d\.cfg: 'name' is mandatory: add a line like name = "guest1"$/],
    ['bad name', 'name = "a b"\nkernel="/k"', /^d\.cfg:1: 'name' must be 1\.\.64 characters/],
    ['missing kernel', 'name = "a"', /^d\.cfg: 'kernel' is mandatory for a PV domain/],
    ['empty kernel', 'name = "a"\nkernel = ""', /^d\.cfg:2: 'kernel' is empty/],
    ['hvm', 'name = "a"\ntype = "hvm"', /^d\.cfg:2: type "hvm" is not supported/],
    ['memory too big', 'name = "a"\nkernel="/k"\nmemory = 4096', /^d\.cfg:3: 'memory' must be 1\.\.3072 MiB, got 4096$/],
    ['vcpus not a number', 'name = "a"\nkernel="/k"\n\nvcpus = "two"', /^d\.cfg:4: 'vcpus' expects an integer 1\.\.32, got the string "two"$/],
    ['unknown key', 'name = "a"\nkernel="/k"\nmemroy = 4', /^d\.cfg:3: unknown setting 'memroy' \(domain settings: name, type, memory/],
    ['unknown action', 'name = "a"\nkernel="/k"\non_crash = "explode"', /^d\.cfg:3: 'on_crash' must be one of destroy, restart, rename-restart/],
    ['unsupported action', 'name = "a"\nkernel="/k"\non_reboot = "destroy"', /^d\.cfg:3: on_reboot = "destroy" is not supported by this hypervisor yet; use "restart"$/],
    ['cpu_weight range', 'name = "a"\nkernel="/k"\ncpu_weight = 0', /^d\.cfg:3: 'cpu_weight' must be 1\.\.65535, got 0$/],
    ['bvt_mcuadv range', 'name = "a"\nkernel="/k"\nbvt_mcuadv = 0', /^d\.cfg:3: 'bvt_mcuadv' must be 1\.\./],
    ['disk without vdev', 'name = "a"\nkernel="/k"\ndisk = [ "/x.img" ]', /^d\.cfg:3: disk 1: disk spec '\/x\.img' has no vdev/],
    ['disk bad format', 'name = "a"\nkernel="/k"\ndisk = [ "/x.img,raw,xvda", "/y,qcow9,xvdb" ]', /^d\.cfg:3: disk 2: disk format must be one of raw, qcow, qcow2, vhd, qed, got 'qcow9'$/],
    ['disk bad access', 'name = "a"\nkernel="/k"\ndisk = [ "/x.img,raw,xvda,rx" ]', /disk access must be rw, w, ro or r, got 'rx'/],
    ['vif bad mac', 'name = "a"\nkernel="/k"\n\nvif = [ "mac=00:16:3e:zz:00:01" ]', /^d\.cfg:4: vif 1: vif mac must look like 00:16:3e:xx:xx:xx/],
    ['vif multicast mac', 'name = "a"\nkernel="/k"\nvif = [ "mac=01:16:3e:00:00:01" ]', /is a multicast address/],
    ['vif unknown key', 'name = "a"\nkernel="/k"\nvif = [ "colour=red" ]', /^d\.cfg:3: vif 1: unknown vif key 'colour'/],
    ['vif not key=value', 'name = "a"\nkernel="/k"\nvif = [ "bridge" ]', /vif item 'bridge' is not key=value/],
  ];
  for (const [what, text, message] of errors) {
    it(`refuses: ${what}`, () => {
      expect(() => parseDomainConfig(text, 'd.cfg', base)).toThrow(message);
    });
  }
});

describe('DISKSPEC and NETSPEC', () => {
  it('reads the equivalent forms of xl-disk-configuration(5)', () => {
    const want = { target: '/dev/vg/guest-volume', format: 'raw', vdev: 'hda', access: 'rw', devtype: 'disk', backend: '0' };
    expect(parseDiskSpec('/dev/vg/guest-volume,,hda')).toEqual(want);
    expect(parseDiskSpec('/dev/vg/guest-volume,raw,hda,rw')).toEqual(want);
    expect(parseDiskSpec('format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume')).toEqual(want);
    expect(parseDiskSpec('raw:/dev/vg/guest-volume,hda,w')).toEqual({ ...want });
  });

  it('makes a cdrom read-only by default', () => {
    expect(parseDiskSpec('/iso/a.iso,raw,hdc,devtype=cdrom')).toMatchObject({ access: 'ro', devtype: 'cdrom' });
    expect(parseDiskSpec(',raw,hdc,cdrom')).toMatchObject({ target: '', devtype: 'cdrom' });
  });

  it('reads vif keys and defaults', () => {
    expect(parseVifSpec('', 3)).toEqual({ devid: 3, bridge: 'xenbr0', backend: '0', extra: {} });
    expect(parseVifSpec('ip=10.0.0.2, rate=10Mb/s@20ms, mtu=9000, netdev=eth0, vifname=v1', 0)).toMatchObject({
      ip: '10.0.0.2',
      rate: '10Mb/s@20ms',
      mtu: 9000,
      vifname: 'v1',
      extra: { gatewaydev: 'eth0' },
    });
    expect(() => parseVifSpec('mtu=20', 0)).toThrow(/vif mtu must be 68\.\.65535/);
    expect(() => parseVifSpec('rate=fast', 0)).toThrow(/vif rate must look like 10Mb\/s/);
  });
});
