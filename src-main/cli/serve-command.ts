import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { engineDir } from '../engine/entry-paths';
import type { LabService } from '../service/lab-service';
import { terminalSafe } from './format';
import { untilSignal } from './signals';
import { startLabServer } from '../serve/lab-server';

/**
 * `conlab serve`: browser mode. Serves the built renderer and the WebSocket transport on 127.0.0.1,
 * prints the page URL (with this session's token) and runs until Ctrl+C or SIGTERM.
 */

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError(`a port from 0 to 65535 (0 picks a free one), got ${value}`);
  return port;
}

/** out/renderer next to the out/engine bundles, unless CONLAB_RENDERER_DIR says otherwise. */
export function defaultRendererRoot(): string {
  const override = process.env['CONLAB_RENDERER_DIR'];
  return override ? resolve(override) : join(dirname(engineDir()), 'renderer');
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
    child.once('error', () => process.stderr.write(`conlab serve: could not open a browser (${command} failed); open the URL above yourself\n`));
    child.unref();
  } catch {
    process.stderr.write('conlab serve: could not open a browser; open the URL above yourself\n');
  }
}


export function registerServeCommand(program: Command, open: () => LabService): void {
  program
    .command('serve')
    .description('browser mode: serve the lab on 127.0.0.1 and open it in a web browser')
    .option('--port <n>', 'port to listen on (default: a free port)', parsePort, 0)
    .option('--no-open', 'print the URL without opening a browser')
    .action(async (opts: { port: number; open: boolean }) => {
      const rendererRoot = defaultRendererRoot();
      if (!existsSync(join(rendererRoot, 'index.html'))) {
        throw new Error(`browser mode needs the built renderer at ${rendererRoot}: run npm run build`);
      }
      const service = open();
      try {
        service.loadSettings();
        const server = await startLabServer({ service, rendererRoot, port: opts.port });
        process.stdout.write(terminalSafe(`Concurrency Lab (browser mode) is serving ${service.dbPath}\n  open ${server.url}\nPress Ctrl+C to stop.\n`));
        if (opts.open) openInBrowser(server.url);
        await untilSignal();
        const running = service.activeRuns().length;
        process.stdout.write(running ? `stopping: cancelling ${running} run${running === 1 ? '' : 's'} in progress\n` : 'stopping\n');
        // Cancels the runs, waits (bounded) until their processes are gone and each is recorded
        // cancelled, then closes the port; service.close() below then closes the history.
        await server.close();
      } finally {
        await service.close();
      }
    });
}
