// xen sched-credit / xen sched-bvt: view and set per-domain scheduler parameters through the
// hypervisor's SchedCore.adjust (XEN_DOMCTL_SCHEDOP_getinfo/putinfo).
import { request } from '../client/control-client.js';
import type { Command, CommandContext, OptionSpec } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { table } from '../format.js';

interface SchedRow {
  name: string;
  id: number;
  params: Record<string, number>;
}

interface ParamOption {
  option: string;
  short: string;
  param: string;
  column: string;
  help: string;
}

function schedCommand(scheduler: string, summary: string, params: readonly ParamOption[], details: string): Command {
  const options: Record<string, OptionSpec> = {
    domain: { type: 'string', short: 'd', help: '-d, --domain DOM  the domain to show or change' },
  };
  for (const p of params) options[p.option] = { type: 'string', short: p.short, help: `-${p.short}, --${p.option} N  ${p.help}` };
  return {
    name: `sched-${scheduler}`,
    summary,
    usage: `xen sched-${scheduler} [-d DOM [${params.map((p) => `-${p.short} N`).join('] [')}]] [--json]`,
    details,
    options,
    json: true,
    async run(ctx: CommandContext) {
      if (ctx.args.length > 0) throw new CliError(ExitCode.USAGE, `unexpected argument '${ctx.args[0]}'; the domain goes after -d`);
      const set: Record<string, number> = {};
      for (const p of params) {
        const v = ctx.values[p.option];
        if (typeof v !== 'string') continue;
        if (!/^\d+$/.test(v)) throw new CliError(ExitCode.USAGE, `--${p.option} expects a whole number, got '${v}'`);
        set[p.param] = Number(v);
      }
      const domain = ctx.values['domain'];
      const changing = Object.keys(set).length > 0;
      if (changing && typeof domain !== 'string') throw new CliError(ExitCode.USAGE, `setting parameters needs -d DOM`);
      const rows = (await request(ctx.socketPath, 'sched', {
        scheduler,
        ...(typeof domain === 'string' ? { domain } : {}),
        ...(changing ? { set } : {}),
      })) as SchedRow[];
      if (ctx.json) ctx.out(JSON.stringify(rows, null, 2));
      else if (!changing) {
        ctx.out(
          table(
            ['Name', 'ID', ...params.map((p) => p.column)],
            rows.map((r) => [r.name, r.id, ...params.map((p) => r.params[p.param] ?? '-')]),
            [false, true, ...params.map(() => true)],
          ),
        );
      }
      return ExitCode.OK;
    },
  };
}

export const schedCreditCommand = schedCommand(
  'credit',
  'show or set credit scheduler weight and cap',
  [
    { option: 'weight', short: 'w', param: 'weight', column: 'Weight', help: 'relative share, 1..65535 (default 256)' },
    { option: 'cap', short: 'c', param: 'cap', column: 'Cap', help: 'most CPU it may use, % of one pCPU (0 = no cap)' },
  ],
  'As xl sched-credit. The hypervisor must run the credit scheduler (scheduler = "credit" in the host file).',
);

export const schedBvtCommand = schedCommand(
  'bvt',
  "show or set the paper's BVT parameters (mcuadv, warp, warpl, warpu)",
  [
    { option: 'mcuadv', short: 'm', param: 'mcuadv', column: 'MCUAdv', help: 'minimum charging unit advance: inverse weight, ≥ 1' },
    { option: 'warp', short: 'w', param: 'warp', column: 'Warp', help: 'warp value: virtual-time head start when woken' },
    { option: 'warpl', short: 'l', param: 'warpl', column: 'WarpL', help: 'warp limit: longest warped run' },
    { option: 'warpu', short: 'u', param: 'warpu', column: 'WarpU', help: 'unwarp requirement: time before warping again' },
  ],
  'As Xen 1.x/2.0 xm bvt (sched_bvt adjdom). The hypervisor must run the bvt scheduler (scheduler = "bvt").',
);
