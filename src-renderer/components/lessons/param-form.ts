import { checkParamValue, type ParamDef } from '@contract/spec-view';

export type RawParamValues = Record<string, string | number | boolean>;

export function defaultValues(params: readonly [string, ParamDef][]): RawParamValues {
  return Object.fromEntries(params.map(([name, def]) => [name, def.default]));
}

/** Per field, the problem with its value (the same rules as the engine's `--set`), or nothing. */
export function paramErrors(params: readonly [string, ParamDef][], values: RawParamValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, def] of params) {
    const checked = checkParamValue(def, values[name]);
    if (!checked.ok) errors[name] = checked.message;
  }
  return errors;
}

/** Only values that differ from the defaults travel as overrides; the record shows what was changed. */
export function overridesFrom(params: readonly [string, ParamDef][], values: RawParamValues): Record<string, string | number | boolean> {
  const overrides: Record<string, string | number | boolean> = {};
  for (const [name, def] of params) {
    const checked = checkParamValue(def, values[name]);
    if (checked.ok && checked.value !== def.default) overrides[name] = checked.value;
  }
  return overrides;
}
