import { catalogOps } from '../../model/step-catalog';
import { walkSteps } from '../spec/references';
import type { Spec } from '../../model/spec-schema';
import type { SpecIssue } from '../../model/spec-issue';
import { SpecError, type ValidatedSpec } from '../spec/validate';

/**
 * What the Node engine refuses before anything starts: the parts of the spec language that exist only
 * on CPython (steps the step catalog marks `runtime: 'cpython'`, `pipes`, shared `value`/`array`
 * variables). Each is named by its JSON path with "only on cpython". The `cpython` settings block is
 * not refused: it tunes the CPython interpreter and means nothing to Node.
 */

const CPYTHON_ONLY_STEPS: ReadonlySet<string> = new Set(catalogOps().filter(([, shape]) => shape.runtime === 'cpython').map(([op]) => op));
const HOW = 'run it with --runtime cpython';
const HOW_ZH = '请用 --runtime cpython 运行';

export function nodeIssues(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (spec.pipes && Object.keys(spec.pipes).length > 0) issues.push({ path: 'pipes', message: `pipes (multiprocessing.Pipe) are only on cpython: ${HOW}`, zh: { message: `管道（multiprocessing.Pipe）只在 CPython 上有：${HOW_ZH}` } });
  for (const [name, def] of Object.entries(spec.shared ?? {})) {
    if (def.scope === 'value' || def.scope === 'array') {
      const kind = `multiprocessing.${def.scope === 'value' ? 'Value' : 'Array'}`;
      issues.push({
        path: `shared.${name}.scope`,
        message: `scope "${def.scope}" (${kind}) is only on cpython: ${HOW}`,
        received: def.scope,
        expected: 'shared or managed',
        zh: { message: `作用域 "${def.scope}"（${kind}）只在 CPython 上有：${HOW_ZH}`, expected: 'shared 或 managed' },
      });
    }
  }
  const programs = [
    ...spec.actors.map((actor, i) => ({ steps: actor.program, path: `actors[${i}].program` })),
    ...Object.entries(spec.functions ?? {}).map(([name, fn]) => ({ steps: fn.steps, path: `functions.${name}.steps` })),
  ];
  for (const program of programs) {
    for (const { step, path } of walkSteps(program.steps, program.path)) {
      if (CPYTHON_ONLY_STEPS.has(step.op)) issues.push({ path, message: `step "${step.op}" is only on cpython: ${HOW}`, zh: { message: `步骤 "${step.op}" 只在 CPython 上有：${HOW_ZH}` } });
    }
  }
  return issues;
}

/** Checks a spec for a Node run: a CPython-only part is refused (SpecError, by JSON path) before anything starts. No runtime info: Node is the engine itself. */
export function prepareNode(validated: ValidatedSpec): null {
  const issues = nodeIssues(validated.spec);
  if (issues.length > 0) throw new SpecError(issues);
  return null;
}
