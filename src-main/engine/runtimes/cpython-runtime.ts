import { execPath, versions } from 'node:process';
import type { RuntimeInfo, RuntimeListing, RuntimeName } from '../../model/run-model';

export type { RuntimeListing };
import { SpecError, type ValidatedSpec } from '../spec/validate';
import { cpythonIssues } from './cpython-support';
import { discoverNogilPython, discoverPython, noNogilPythonMessage, noPythonMessage, type PythonCandidate } from './python-discovery';

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
export function prepareCpython(validated: ValidatedSpec, runtime: Exclude<RuntimeName, 'node'> = 'cpython'): RuntimeInfo {
  const discovery = runtime === 'cpython-nogil' ? discoverNogilPython() : discoverPython();
  if (!discovery.found) throw new RuntimeUnavailableError(runtime === 'cpython-nogil' ? noNogilPythonMessage(discovery) : noPythonMessage(discovery));
  const issues = cpythonIssues(validated.spec);
  if (issues.length > 0) throw new SpecError(issues);
  return discovery.found;
}


const HOW_FOUND: Record<PythonCandidate['source'], string> = {
  CONLAB_PYTHON: 'from CONLAB_PYTHON',
  CONLAB_PYTHON_NOGIL: 'from CONLAB_PYTHON_NOGIL',
  settings: "from the settings' Python path",
  PATH: 'on PATH',
};

function cpythonListing(candidate: PythonCandidate, name: Exclude<RuntimeName, 'node'>): RuntimeListing {
  const how = HOW_FOUND[candidate.source];
  return {
    name,
    usable: candidate.info !== null,
    version: candidate.info?.version ?? null,
    path: candidate.info?.path ?? candidate.command,
    gil: candidate.info?.gil ?? null,
    startMethod: candidate.info?.startMethod ?? null,
    note: candidate.problem ? `${how}: ${candidate.problem}` : how,
  };
}

/**
 * The runtimes a run may use here: the Node engine itself, what CPython discovery found, and what the
 * free-threaded discovery found (looked again unless `fresh` is false).
 */
export function listRuntimes(options: { fresh?: boolean } = {}): RuntimeListing[] {
  const node: RuntimeListing = { name: 'node', usable: true, version: versions.node, path: execPath, gil: null, startMethod: 'fork', note: 'the engine itself' };
  const fresh = options.fresh ?? true;
  return [
    node,
    ...discoverPython({ fresh }).candidates.map((candidate) => cpythonListing(candidate, 'cpython')),
    ...discoverNogilPython({ fresh }).candidates.map((candidate) => cpythonListing(candidate, 'cpython-nogil')),
  ];
}
