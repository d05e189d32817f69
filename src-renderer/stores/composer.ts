import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ParamValues, SavedExperiment, SpecIssue } from '@contract/dto';
import { errorMessage, useLabClient } from '../transport/lab-client';
import { locateJsonPaths, type JsonSyntaxError } from '../components/composer/json-locations';

export type ComposerCheck =
  | { readonly kind: 'idle' }
  | { readonly kind: 'checking' }
  | { readonly kind: 'syntax'; readonly error: JsonSyntaxError }
  | { readonly kind: 'valid'; readonly params: ParamValues }
  | { readonly kind: 'invalid'; readonly issues: readonly (SpecIssue & { line: number | null })[] }
  | { readonly kind: 'error'; readonly message: string };

/** The composer: spec text being edited, its live validation with issues placed on lines, saved experiments. */
export const useComposerStore = defineStore('composer', () => {
  const client = useLabClient();
  const text = ref('');
  const name = ref('');
  const experimentId = ref<string | null>(null);
  const check = ref<ComposerCheck>({ kind: 'idle' });
  const saved = ref<SavedExperiment[]>([]);
  /** Which side of the composer is shown: the forms or the JSON text (both edit the same spec). */
  const mode = ref<'build' | 'json'>('build');
  let generation = 0;

  /** Validates the current text: JSON first (with line and column), then the engine's own validation. */
  async function validate(): Promise<void> {
    const mine = ++generation;
    const source = text.value;
    const located = locateJsonPaths(source);
    if (!located.ok) {
      check.value = { kind: 'syntax', error: located.error };
      return;
    }
    check.value = { kind: 'checking' };
    try {
      const result = await client.call('specs.validate', { spec: located.value });
      if (mine !== generation) return;
      check.value = result.ok
        ? { kind: 'valid', params: result.params }
        : { kind: 'invalid', issues: result.issues.map((issue) => ({ ...issue, line: located.lineOf(issue.path) })) };
    } catch (error) {
      if (mine !== generation) return;
      check.value = { kind: 'error', message: errorMessage(error) };
    }
  }

  function load(spec: unknown, fromName = '', id: string | null = null): void {
    text.value = `${JSON.stringify(spec, null, 2)}\n`;
    name.value = fromName;
    experimentId.value = id;
    void validate();
  }

  async function loadSaved(): Promise<void> {
    saved.value = [...(await client.call('experiments.list', {}))];
  }

  async function save(): Promise<SavedExperiment> {
    const parsed = locateJsonPaths(text.value);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const experiment = await client.call('experiments.save', {
      ...(experimentId.value ? { id: experimentId.value } : {}),
      name: name.value,
      spec: parsed.value,
    });
    experimentId.value = experiment.id;
    await loadSaved();
    return experiment;
  }

  async function removeSaved(id: string): Promise<void> {
    await client.call('experiments.delete', { id });
    if (experimentId.value === id) experimentId.value = null;
    await loadSaved();
  }

  function parsedSpec(): unknown {
    const parsed = locateJsonPaths(text.value);
    return parsed.ok ? parsed.value : undefined;
  }

  /** Replaces the text with a spec built in the forms (keeping name and saved experiment). */
  function setSpec(spec: unknown): void {
    text.value = `${JSON.stringify(spec, null, 2)}\n`;
  }

  return { text, name, experimentId, check, saved, mode, validate, load, loadSaved, save, removeSaved, parsedSpec, setSpec };
});
