import { existsSync } from 'node:fs';
import os from 'node:os';
import { appVersion } from '../entry-paths';
import type { RunEnvironment } from '../../model/run-model';

/** The machine a run runs on, recorded with every run so that figures are read in context. */
export function currentEnvironment(): RunEnvironment {
  const cpus = os.cpus();
  return {
    os: `${process.platform} ${os.release()} ${process.arch}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.versions.node,
    electron: process.versions['electron'] ?? null,
    appVersion: appVersion(),
    hasProcfs: existsSync('/proc/self/stat'),
  };
}
