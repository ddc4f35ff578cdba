// @xen-ts/cli: the `xen` command, and its parts for other tools (the config parsers, the
// in-process server, the socket client).
export { runCli, COMMANDS, mainHelp, commandHelp } from './cli.js';
export type { Command, CommandContext, CliIo } from './command.js';
export { ExitCode, CliError } from './exit-codes.js';
export { ConfigError } from './config/config-error.js';
export { parseXlConfig, XlConfig } from './config/xl-cfg.js';
export type { XlValue, XlScalar, XlSetting } from './config/xl-cfg.js';
export { parseDomainConfig, domainFromXl } from './config/domain-config.js';
export type { DomainSpec, OnCrashAction, OnPoweroffAction } from './config/domain-config.js';
export { parseDiskSpec, parseVifSpec } from './config/device-specs.js';
export type { DiskSpec, VifSpec } from './config/device-specs.js';
export { defaultConfig, parseHostConfig, hostFromXl, loadStartConfig, guestPortPackage, HOST_KEYS } from './config/host-config.js';
export type { HostSpec, LoadedConfig } from './config/host-config.js';
export { HypervisorServer } from './server/hypervisor-server.js';
export type { HypervisorServerOptions } from './server/hypervisor-server.js';
export { XenHost } from './server/xen-host.js';
export type { ListRow, TopRow, TopSnapshot } from './server/xen-host.js';
export { ControlServer } from './server/control-server.js';
export { Pacer } from './server/pacer.js';
export type { PacerOptions } from './server/pacer.js';
export { HostError } from './server/host-error.js';
export { loadPlugins, BUILTIN_PLUGINS } from './server/plugin-loader.js';
export { request, openConsole, NotRunningError, RequestError } from './client/control-client.js';
export { attachConsole, DETACH_BYTE } from './client/console-attach.js';
export { defaultSocketPath } from './socket-path.js';
export { PROTOCOL_VERSION } from './protocol.js';
export type { Request, Response, ConsoleMessage, Op } from './protocol.js';
