// The busybox conformance cases: applet invocations whose stdout, stderr and exit status must be
// the same wherever Debian's busybox-static:i386 runs — natively, under x86-run, or inside a
// guest kernel — with the fixture files they read. Shared by the CPU's and the guests' tests.
import { gzipSync } from 'node:zlib';

export interface BusyboxCase {
  name: string;
  args: string[];
  stdin?: string | Buffer;
  /** Needs the x87 FPU. */
  fpu?: boolean;
  /** Compare stderr too (default true). */
  stderr?: boolean;
}

const LINES = 'banana\napple\ncherry\napple\ndate\nbanana\nelderberry\n';
const NUMBERS = '10\n2\n33\n-4\n5\n100\n7\n';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\n';
const LOREM = Array.from({ length: 200 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog ${i * 7919 % 1000}\n`).join('');

export const BUSYBOX_CASES: readonly BusyboxCase[] = [
  { name: 'echo', args: ['echo', 'hello', 'world'] },
  { name: 'echo -e escapes', args: ['echo', '-e', 'a\\tb\\nc\\x41'] },
  { name: 'printf integers and strings', args: ['printf', '%d|%5s|%-4x|%o|%c\\n', '42', 'abc', '255', '8', 'Z'] },
  { name: 'printf %f', args: ['printf', '%f %.2f %e\\n', '3.14159', '2.5', '12345.678'], fpu: true },
  { name: 'awk floating point', args: ['awk', 'BEGIN{printf "%.6f\\n", 3.14159*2.5; print 10/3, 1e10*3, int(-7.5)}'], fpu: true },
  { name: 'awk fields and sums', args: ['awk', '-F:', '{s += $3; print NR, $1} END {print "sum", s}', 'passwd'], fpu: true },
  { name: 'seq', args: ['seq', '1', '3', '10'], fpu: true },
  { name: 'sort -g', args: ['sort', '-g', 'numbers.txt'], fpu: true },
  { name: 'cat', args: ['cat', 'lines.txt'] },
  { name: 'cat -n from stdin', args: ['cat', '-n'], stdin: LINES },
  { name: 'cat missing file', args: ['cat', 'no-such-file'] },
  { name: 'sort', args: ['sort', 'lines.txt'] },
  { name: 'sort -n -r', args: ['sort', '-n', '-r', 'numbers.txt'], fpu: true },
  { name: 'sort -u', args: ['sort', '-u'], stdin: LINES },
  { name: 'uniq -c', args: ['uniq', '-c'], stdin: 'a\na\nb\nc\nc\nc\n' },
  { name: 'sed substitute', args: ['sed', '-e', 's/\\(an\\)/[\\1]/g', 'lines.txt'] },
  { name: 'sed -n range', args: ['sed', '-n', '2,4p;$=', 'lorem.txt'] },
  { name: 'grep -n -c', args: ['grep', '-n', 'apple', 'lines.txt'] },
  { name: 'grep -E -v -c', args: ['grep', '-E', '-v', '-c', '^(apple|banana)$', 'lines.txt'] },
  { name: 'expr arithmetic', args: ['expr', '7', '*', '6', '+', '1'] },
  { name: 'expr string length', args: ['expr', 'length', 'hello world'] },
  { name: 'expr false is status 1', args: ['expr', '0', '+', '0'] },
  { name: 'od -c', args: ['od', '-c', 'lines.txt'] },
  { name: 'od -A x -t x1z', args: ['od', '-A', 'x', '-t', 'x1z', 'data.bin'] },
  { name: 'wc', args: ['wc', 'lorem.txt'] },
  { name: 'wc -l from stdin', args: ['wc', '-l'], stdin: LINES },
  { name: 'tr', args: ['tr', 'a-z', 'A-Z'], stdin: LINES },
  { name: 'tr -d -s', args: ['tr', '-s', 'ap', '-d', 'e'], stdin: LINES },
  { name: 'cut', args: ['cut', '-d:', '-f1,6', 'passwd'] },
  { name: 'head -n', args: ['head', '-n', '3', 'lorem.txt'] },
  { name: 'head -c', args: ['head', '-c', '25', 'lorem.txt'] },
  { name: 'tail -n', args: ['tail', '-n', '2', 'lorem.txt'] },
  { name: 'tail from stdin', args: ['tail', '-n', '3'], stdin: LOREM },
  { name: 'factor', args: ['factor', '1234567890', '97', '65536', '999999999989'] },
  { name: 'sha256sum', args: ['sha256sum', 'lorem.txt', 'data.bin'] },
  { name: 'sha1sum', args: ['sha1sum', 'lorem.txt'] },
  { name: 'md5sum', args: ['md5sum', 'lorem.txt', 'data.bin'] },
  { name: 'sha512sum', args: ['sha512sum', 'data.bin'] },
  { name: 'cksum', args: ['cksum', 'lorem.txt'] },
  { name: 'gzip -c', args: ['gzip', '-c', '-9', 'lorem.txt'] },
  { name: 'gunzip -c of a gzip stream', args: ['gunzip', '-c'], stdin: gzipSync(Buffer.from(LOREM)) },
  { name: 'gzip | gunzip round trip', args: ['sh', '-c', 'gzip -c lorem.txt | gunzip -c | sha256sum'] },
  { name: 'base64', args: ['base64', 'data.bin'] },
  { name: 'base64 -d', args: ['base64', '-d'], stdin: Buffer.from(LINES).toString('base64') },
  { name: 'xxd', args: ['xxd', 'data.bin'] },
  { name: 'hexdump -C', args: ['hexdump', '-C', 'lines.txt'] },
  { name: 'ls -l of a prepared directory', args: ['ls', '-l', 'tree'] },
  { name: 'ls -a -i -R', args: ['ls', '-a', '-i', '-R', 'tree'] },
  { name: 'find', args: ['find', 'tree', '-name', '*.txt'] },
  { name: 'stat -c', args: ['stat', '-c', '%n %s %a %F', 'lines.txt', 'tree'] },
  { name: 'basename', args: ['basename', '/usr/lib/libfoo.so.1', '.1'] },
  { name: 'dirname', args: ['dirname', '/usr/lib/libfoo.so.1'] },
  { name: 'test true', args: ['test', '3', '-lt', '5'] },
  { name: 'test false', args: ['test', '-d', 'lines.txt'] },
  { name: '[ string compare ]', args: ['[', 'abc', '=', 'abd', ']'] },
  { name: 'bc', args: ['bc'], stdin: '2^64\nscale=20\n1/7\n12345679*81\n' },
  { name: 'dc', args: ['dc', '-e', '2 64 ^ p 7 3 / p'], fpu: true },
  { name: 'date -d @0 -u', args: ['date', '-d', '@0', '-u'] },
  { name: 'date with a format', args: ['date', '-u', '-d', '@1234567890', '+%Y-%m-%d %H:%M:%S %j %a'] },
  { name: 'rev and tac', args: ['sh', '-c', 'rev lines.txt; tac lines.txt'] },
  { name: 'nl and fold', args: ['sh', '-c', 'nl lines.txt; fold -w 10 lorem.txt | head -n 4'] },
  { name: 'sh loops and arithmetic (builtins only)', args: ['sh', '-c', 'i=0; s=0; while [ $i -lt 50 ]; do s=$((s + i * i)); i=$((i + 1)); done; echo "sum=$s"; for w in a b c; do printf "%s-" "$w"; done; echo; case x$s in x40425) echo yes;; *) echo no;; esac'] },
  { name: 'sh pipeline and command substitution', args: ['sh', '-c', 'n=$(sort -u lines.txt | wc -l); echo "unique: $n"; cat lines.txt | grep an | tr a-z A-Z'] },
  { name: 'sh file operations', args: ['sh', '-c', 'mkdir -p w/x && echo hi > w/x/f && cp w/x/f w/g && mv w/g w/h && ls -R w && cat w/h && rm -r w && echo gone'] },
  { name: 'sh redirections and exit status', args: ['sh', '-c', 'echo out; echo err >&2; (exit 3); echo "status $?"; false || echo fallback; exit 42'] },
  { name: 'sh trap and kill to self', args: ['sh', '-c', 'trap "echo caught USR1" USR1; kill -USR1 $$; echo after'] },
  { name: 'killed by SIGSEGV', args: ['sh', '-c', 'kill -SEGV $$'] },
  { name: 'tar round trip', args: ['sh', '-c', 'tar -cf t.tar tree && tar -tf t.tar && rm t.tar'] },
  { name: 'cmp and diff', args: ['sh', '-c', 'cmp lines.txt lines.txt && echo same; diff lines.txt numbers.txt | head -n 3; true'] },
  { name: 'unknown applet', args: ['no-such-applet'] },
];


/** Fixture files (relative path → contents) the cases read, and the directories of the tree. */
export const BUSYBOX_FIXTURE_FILES: Readonly<Record<string, string | Buffer>> = {
  'lines.txt': LINES,
  'numbers.txt': NUMBERS,
  passwd: PASSWD,
  'lorem.txt': LOREM,
  'data.bin': Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37 + 11) & 0xff)),
  'tree/a.txt': 'alpha\n',
  'tree/b.dat': 'beta beta\n',
  'tree/sub/c.txt': 'gamma\n'.repeat(100),
};
export const BUSYBOX_FIXTURE_DIRS: readonly string[] = ['tree', 'tree/sub'];
/** The tree's timestamp (the cases print it). */
export const BUSYBOX_FIXTURE_TIME = new Date('2024-03-01T12:34:56Z');
