import { findLesson } from '../../src-main/lessons/catalog';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { discoverPython, noPythonMessage } from '../../src-main/engine/runtimes/python-discovery';

/**
 * What every CPython test file starts from: the interpreter found here (null: the file's tests are
 * skipped, and `skipReason` says why in their names), and lessons' specs by id.
 */
export const python = discoverPython().found;
export const skipReason = python ? '' : ` (skipped: ${noPythonMessage(discoverPython())})`;

export function lessonSpec(id: string): AuthoredSpec {
  const lesson = findLesson(id);
  if (!lesson) throw new Error(`no lesson ${id}`);
  return lesson.spec;
}
