import { execPath, versions } from 'node:process';
import type { RuntimeInfo, RuntimeListing } from '../../model/run-model';

export type { RuntimeListing };
import { SpecError, type ValidatedSpec } from '../spec/validate';
import { cpythonIssues } from './cpython-support';
import { discoverPython, noPythonMessage, type PythonCandidate } from './python-discovery';

/** The run asked for a runtime this machine does not have. */
export class RuntimeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeUnavailableError';
  }
}

/**
 * The interpreter a CPython run uses, with the spec checked against what that runtime supports:
 * a refusal (no interpreter, or a step it cannot run, by JSON path) comes before anything starts.
 */
export function prepareCpython(validated: ValidatedSpec): RuntimeInfo {
  const discovery = discoverPython();
  if (!discovery.found) throw new RuntimeUnavailableError(noPythonMessage(discovery));
  const issues = cpythonIssues(validated.spec);
  if (issues.length > 0) throw new SpecError(issues);
  return discovery.found;
}


function cpythonListing(candidate: PythonCandidate): RuntimeListing {
  const how = candidate.source === 'CONLAB_PYTHON' ? 'from CONLAB_PYTHON' : 'on PATH';
  return {
    name: 'cpython',
    usable: candidate.info !== null,
    version: candidate.info?.version ?? null,
    path: candidate.info?.path ?? candidate.command,
    gil: candidate.info?.gil ?? null,
    startMethod: candidate.info?.startMethod ?? null,
    note: candidate.problem ? `${how}: ${candidate.problem}` : how,
  };
}

/** The runtimes a run may use here: the Node engine itself, and what CPython discovery found (looked again unless `fresh` is false). */
export function listRuntimes(options: { fresh?: boolean } = {}): RuntimeListing[] {
  const node: RuntimeListing = { name: 'node', usable: true, version: versions.node, path: execPath, gil: null, startMethod: 'fork', note: 'the engine itself' };
  return [node, ...discoverPython({ fresh: options.fresh ?? true }).candidates.map(cpythonListing)];
}
