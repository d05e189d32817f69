/** What checking a spec answers: its problems, each at a JSON path, or the parameter values it will run with. */

export interface SpecIssue {
  /** JSON path in the authored spec, e.g. `actors[0].program[2].prim`; `--set n` for an override. */
  readonly path: string;
  readonly message: string;
  readonly received?: string;
  readonly expected?: string;
}

/** Parameter values after defaults and overrides: what `{"param": name}` is replaced with. */
export type ParamValues = Record<string, number | boolean | string>;

export type ValidationResult = { readonly ok: true; readonly params: ParamValues } | { readonly ok: false; readonly issues: readonly SpecIssue[] };
