import type { SpecIssue } from '@contract/dto';
import { inject, type ComputedRef, type InjectionKey } from 'vue';
import { pathText, type DeclaredNames, type JsonObject, type Path } from './spec-builder';

/** What every part of the builder reaches without passing it down by hand: edits, issues, declared names. */
export interface BuilderContext {
  /** Applies `mutate` to a copy of the spec and hands the result on. */
  edit(mutate: (draft: JsonObject) => void): void;
  readonly issues: ComputedRef<readonly SpecIssue[]>;
  readonly names: ComputedRef<DeclaredNames>;
  /** The whole spec, for pickers that filter names by what they declare. */
  readonly spec: ComputedRef<JsonObject>;
}

export const builderKey: InjectionKey<BuilderContext> = Symbol('spec-builder');

export function useBuilder(): BuilderContext {
  const context = inject(builderKey);
  if (!context) throw new Error('a builder part was used outside ComposerBuilder');
  return context;
}

/** Fields that hold steps: an issue inside one belongs to that step, not to the place holding the list. */
const STEP_LISTS = new Set(['steps', 'then', 'else', 'program']);

/**
 * The issues that belong to the place at `path`: on it, or on one of its own fields (however deep
 * inside that field's value), not on a step nested in it (that step shows its own).
 */
export function issuesOwnedBy(issues: readonly SpecIssue[], path: Path): SpecIssue[] {
  const at = pathText(path);
  return issues.filter((issue) => {
    if (issue.path === at) return true;
    if (!issue.path.startsWith(`${at}.`)) return false;
    const rest = issue.path.slice(at.length + 1);
    const field = /^[^.[]+/.exec(rest)?.[0] ?? '';
    return !(STEP_LISTS.has(field) && rest.charAt(field.length) === '[');
  });
}
