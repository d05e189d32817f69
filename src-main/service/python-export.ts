import { availableParallelism } from 'node:os';
import { SpecError, validateSpec } from '../engine/spec/validate';
import { findLesson } from '../lessons/catalog';
import { CPYTHON_PARAMS } from '../lessons/cpython-params';
import { pythonProgram, type PythonProgramFile } from '../model/python-program';
import { LabError } from './lab-service';

export interface PythonProgramRequest {
  readonly lessonId?: string | undefined;
  readonly spec?: unknown;
  readonly overrides?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/**
 * A lesson's or a spec's program as a standalone CPython file. The spec is validated and resolved
 * as a run would be (a lesson with its CPython parameters, under the overrides given), so a bad spec
 * is refused with the issues by path and nothing is generated. Generated on demand, never stored.
 */
export function pythonProgramFile(request: PythonProgramRequest): PythonProgramFile {
  const lesson = request.lessonId !== undefined ? findLesson(request.lessonId) : undefined;
  if (request.lessonId !== undefined && !lesson) throw new LabError('not-found', `no lesson named ${request.lessonId} (conlab list shows them all)`);
  const spec = lesson ? lesson.spec : request.spec;
  if (spec === undefined) throw new LabError('bad-input', 'give a lesson id or a spec');
  const overrides = { ...(lesson ? CPYTHON_PARAMS[lesson.id] : {}), ...request.overrides };
  try {
    const { spec: resolved, params } = validateSpec(spec, { overrides, cpuCount: availableParallelism() });
    return { text: pythonProgram(resolved, { params }), fileName: `${resolved.id ?? 'experiment'}.py` };
  } catch (error) {
    if (error instanceof SpecError) throw new LabError('bad-input', error.message, error.issues);
    throw error;
  }
}
