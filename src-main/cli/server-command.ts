import { InvalidArgumentError, Option, type Command } from 'commander';
import { FRAMING_KINDS } from '../net/framing';
import { startServer, type RunningServer } from '../net/server';
import type { ServerMetrics } from '../net/server-metrics';
import { formatEndpoint } from '../net/loopback';
import { HANDLER_KINDS, LOOPBACK_HOSTS, PROTOCOLS, ServerConfigError, SERVER_MODELS, type Framing } from '../model/server-config';
import { untilSignal } from './signals';
import { terminalSafe } from './format';

/**
 * `conlab server`: one server of the network lab on 127.0.0.1 (or ::1) until Ctrl+C, for real
 * clients (curl, wrk, socat, a browser). Prints its address at once, its live figures every second,
 * and on SIGINT or SIGTERM stops within STOP_BUDGET_MS, with the port free, and prints a summary.
 */

/** Connections get this long to end on their own at Ctrl+C; the whole stop stays within ≈ 500 ms. */
const STOP_GRACE_MS = 250;
const FIGURES_EVERY_MS = 1_000;

export interface ServerCommandOptions {
  readonly protocol: string;
  readonly model: string;
  readonly handler: string;
  readonly host: string;
  readonly port: number;
  readonly framing?: string;
  readonly set: Record<string, string>;
}

export class ServerUsageError extends Error {}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError(`a port from 0 to 65535 (0 picks a free one), got ${value}`);
  return port;
}

function collect(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--set takes name=value (e.g. workers=4, handler.ms=50), got ${value}`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** `--framing none|delimiter|delimiter:<text>|length-prefix|acknowledge`. */
export function parseFraming(value: string): Framing {
  const [kind, ...rest] = value.split(':');
  const delimiter = rest.join(':');
  if (kind === 'delimiter') return delimiter ? { kind, delimiter: delimiter.replace(/\\n/g, '\n').replace(/\\r/g, '\r') } : { kind };
  if (rest.length === 0 && (kind === 'none' || kind === 'length-prefix' || kind === 'acknowledge')) return { kind };
  throw new ServerUsageError(`--framing: expected one of ${FRAMING_KINDS.join(', ')} (delimiter:<text> for another delimiter than a newline), got ${JSON.stringify(value)}`);
}

/** A --set value: a number, true/false, or text as given. */
function settingValue(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

const SETTABLE = ['workers', 'maxThreads', 'maxProcesses', 'backlog', 'headTimeoutMs'] as const;

/** The server description the options make; resolveServerConfig checks it (and names the field at fault). */
export function serverConfigFromOptions(options: ServerCommandOptions): Record<string, unknown> {
  const handler: Record<string, unknown> = { kind: options.handler };
  const config: Record<string, unknown> = { protocol: options.protocol, model: options.model, handler, host: options.host, port: options.port };
  if (options.framing !== undefined) config['framing'] = parseFraming(options.framing);
  for (const [name, text] of Object.entries(options.set)) {
    const value = settingValue(text);
    if (name.startsWith('handler.') && name.length > 'handler.'.length && name !== 'handler.kind') handler[name.slice('handler.'.length)] = value;
    else if ((SETTABLE as readonly string[]).includes(name)) config[name] = value;
    else throw new ServerUsageError(`--set ${name}: not a server setting; expected one of ${SETTABLE.join(', ')}, or handler.<field> (handler.ms, handler.blocking, handler.text, handler.language, handler.saveDir)`);
  }
  return config;
}

const cpuMs = (metrics: ServerMetrics): number => metrics.cpu.userMs + metrics.cpu.systemMs;

/** One line of live figures: connections, requests (and their rate), the server's CPU, threads and processes in use. */
export function figuresLine(now: ServerMetrics, before: ServerMetrics | null, intervalMs: number, inUse: { threads: number; processes: number }): string {
  const rate = before ? ((now.requests - before.requests) * 1000) / intervalMs : 0;
  const cpuShare = before ? ((cpuMs(now) - cpuMs(before)) / intervalMs) * 100 : 0;
  return (
    `connections ${now.currentConnections} open, ${now.connectionsAccepted} accepted` +
    (now.connectionsRefused > 0 ? `, ${now.connectionsRefused} refused` : '') +
    ` · requests ${now.requests} (${Math.round(rate)}/s)` +
    ` · server CPU ${cpuShare.toFixed(0)}% of a core (${Math.round(cpuMs(now))} ms in all)` +
    ` · threads ${inUse.threads} · processes ${inUse.processes}`
  );
}

export function summaryLines(metrics: ServerMetrics, elapsedMs: number, forced: number, stopMs: number): string {
  return [
    `stopped in ${Math.round(stopMs)} ms after ${(elapsedMs / 1000).toFixed(1)} s${forced > 0 ? ` (${forced} connection${forced === 1 ? '' : 's'} still open were closed)` : ''}`,
    `  connections  ${metrics.connectionsAccepted} accepted, ${metrics.connectionsRefused} refused, at most ${metrics.maxConcurrentConnections} at once`,
    `  requests     ${metrics.requests} (${elapsedMs > 0 ? Math.round((metrics.requests * 1000) / elapsedMs) : 0}/s on average), ${metrics.bytesIn} bytes in, ${metrics.bytesOut} bytes out`,
    `  server CPU   ${Math.round(metrics.cpu.userMs)} ms user + ${Math.round(metrics.cpu.systemMs)} ms system (${metrics.cpuScope})`,
    `  threads      ${metrics.threadsUsed} used, at most ${metrics.maxConcurrentThreads} at once; processes ${metrics.processesUsed} used, at most ${metrics.maxConcurrentProcesses} at once`,
  ].join('\n');
}

/** The address as a client types it: a URL for HTTP, host:port otherwise. */
export function addressText(protocol: string, host: string, port: number): string {
  const endpoint = formatEndpoint(host, port);
  return protocol === 'http' ? `http://${endpoint}/` : `${protocol}://${endpoint}`;
}


async function runServer(options: ServerCommandOptions): Promise<void> {
  const input = serverConfigFromOptions(options);
  const signal = untilSignal();
  let server: RunningServer;
  try {
    server = await startServer(input as never);
  } catch (error) {
    if (error instanceof ServerConfigError) throw new ServerUsageError(error.message);
    throw error;
  }
  const started = performance.now();
  const { config, address } = server;
  const tty = process.stdout.isTTY === true;
  const out = (text: string): void => void process.stdout.write(terminalSafe(text));
  out(`${config.protocol} server (${config.model}, ${config.handler.kind}) listening on ${addressText(config.protocol, address.host, address.port)}\n`);
  out(`Press Ctrl+C to stop.\n`);

  let before: ServerMetrics | null = null;
  let beforeAt = performance.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void server
      .metrics()
      .then((now) => {
        const at = performance.now();
        const line = figuresLine(now, before, at - beforeAt, server.inUse());
        before = now;
        beforeAt = at;
        // A terminal keeps one line up to date; a pipe or file gets a line a second.
        if (tty) process.stdout.write(`\r\x1b[2K${terminalSafe(line)}`);
        else out(`${line}\n`);
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, FIGURES_EVERY_MS);

  const ended = await Promise.race([signal.then(() => 'signal' as const), server.stopped.then(() => 'crashed' as const)]);
  clearInterval(timer);
  const stopStarted = performance.now();
  const result = await server.stop({ graceMs: STOP_GRACE_MS });
  const stopMs = performance.now() - stopStarted;
  if (tty) process.stdout.write('\n');
  out(`${summaryLines(result.metrics, stopStarted - started, result.forcedConnections, stopMs)}\n`);
  if (ended === 'crashed' || result.error) {
    process.stderr.write(terminalSafe(`conlab server: the server stopped on its own: ${result.error ?? 'a helper failed'}\n`));
    process.exitCode = 1;
  }
}

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run one server of the network lab on a loopback address until Ctrl+C, for real clients (curl, wrk, socat)')
    .addOption(new Option('--protocol <protocol>', 'tcp, udp or http').choices(PROTOCOLS).makeOptionMandatory())
    .addOption(new Option('--model <model>', 'the concurrency model').choices(SERVER_MODELS).makeOptionMandatory())
    .addOption(new Option('--handler <kind>', 'what it answers').choices(HANDLER_KINDS).makeOptionMandatory())
    .addOption(new Option('--host <host>', 'the loopback address to bind').choices(LOOPBACK_HOSTS).default('127.0.0.1'))
    .option('--port <n>', 'port to listen on (default: a free port)', parsePort, 0)
    .option('--framing <kind>', `TCP echo/upper/delay: ${FRAMING_KINDS.join(', ')} (delimiter:<text> for another delimiter)`)
    .option('--set <name=value>', 'a server setting (workers, maxThreads, maxProcesses, backlog, headTimeoutMs) or handler.<field> (repeatable)', collect, {})
    .action(async (opts: ServerCommandOptions) => {
      try {
        await runServer(opts);
      } catch (error) {
        if (!(error instanceof ServerUsageError)) throw error;
        process.stderr.write(terminalSafe(`conlab server: ${error.message}\n`));
        process.exitCode = 2;
      }
    });
}
