import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { ParamValues, SavedExperiment, SpecIssue } from '@contract/dto';
import { errorMessage, useLabClient } from '../transport/lab-client';
import { parseSpecText, type JsonSyntaxError } from '../components/composer/json-locations';

export type ComposerCheck =
  | { readonly kind: 'idle' }
  | { readonly kind: 'checking' }
  | { readonly kind: 'syntax'; readonly error: JsonSyntaxError }
  | { readonly kind: 'valid'; readonly params: ParamValues }
  | { readonly kind: 'invalid'; readonly issues: readonly (SpecIssue & { line: number | null })[] }
  | { readonly kind: 'error'; readonly message: string };

/** Where the draft is kept: the page's localStorage, which the browser mode and the desktop app both have. */
export const DRAFT_KEY = 'conlab.composer.draft';
/** Drafts past this many characters are not kept (localStorage holds a few million per origin). */
export const DRAFT_MAX_CHARS = 2_000_000;

export interface ComposerDraft {
  readonly text: string;
  readonly name: string;
  readonly experimentId: string | null;
  readonly savedAt: string;
}

/** Reads the kept draft; anything not shaped as one (another version, a hand edit) is no draft. */
export function readDraft(): ComposerDraft | null {
  let raw: string | null;
  try {
    raw = localStorage.getItem(DRAFT_KEY);
  } catch {
    return null;
  }
  if (raw === null || raw.length > DRAFT_MAX_CHARS + 4_096) return null;
  try {
    const data = JSON.parse(raw) as Record<string, unknown> | null;
    if (data === null || typeof data !== 'object') return null;
    const { text, name, experimentId, savedAt } = data;
    if (typeof text !== 'string' || typeof name !== 'string' || typeof savedAt !== 'string') return null;
    if (experimentId !== null && typeof experimentId !== 'string') return null;
    return { text, name: name.slice(0, 200), experimentId, savedAt: savedAt.slice(0, 40) };
  } catch {
    return null;
  }
}

/** The composer: spec text being edited, its live validation with issues placed on lines, saved experiments, the draft kept across reloads. */
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
  /** The draft restored when the page opened (shown with a notice until dismissed or discarded). */
  const restoredDraft = ref<ComposerDraft | null>(null);
  /** Set when the text is too long to keep as a draft (or the storage refused it): its length. */
  const draftTooLarge = ref<number | null>(null);

  function keepDraft(): void {
    const source = text.value;
    if (source.length > DRAFT_MAX_CHARS) {
      draftTooLarge.value = source.length;
      return;
    }
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify({ text: source, name: name.value, experimentId: experimentId.value, savedAt: new Date().toISOString() }));
      draftTooLarge.value = null;
    } catch {
      draftTooLarge.value = source.length;
    }
  }

  let draftTimer: ReturnType<typeof setTimeout> | null = null;
  watch([text, name, experimentId], () => {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      draftTimer = null;
      keepDraft();
    }, 500);
  });
  // A reload within the half second still keeps the last keystrokes.
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', () => {
      if (draftTimer) {
        clearTimeout(draftTimer);
        draftTimer = null;
        keepDraft();
      }
    });
  }

  /** Opens the kept draft, if there is one and it is not `unlessText` (the page's starting spec). */
  function restoreDraft(unlessText: string): boolean {
    const draft = readDraft();
    if (!draft || !draft.text.trim() || draft.text.trim() === unlessText.trim()) return false;
    text.value = draft.text;
    name.value = draft.name;
    experimentId.value = draft.experimentId;
    restoredDraft.value = draft;
    void validate();
    return true;
  }

  function discardDraft(): void {
    try {
      localStorage.removeItem(DRAFT_KEY);
    } catch {
      // Nothing kept, nothing to remove.
    }
    restoredDraft.value = null;
  }

  /** Validates the current text: JSON first (with line and column), then the engine's own validation. */
  async function validate(): Promise<void> {
    const mine = ++generation;
    const source = text.value;
    const located = parseSpecText(source);
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
    const parsed = parseSpecText(text.value);
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

  /** The text as JSON (undefined when it is not JSON); the browser's parser, no locations needed here. */
  function parsedSpec(): unknown {
    try {
      return JSON.parse(text.value) as unknown;
    } catch {
      return undefined;
    }
  }

  /** Replaces the text with a spec built in the forms (keeping name and saved experiment). */
  function setSpec(spec: unknown): void {
    text.value = `${JSON.stringify(spec, null, 2)}\n`;
  }

  return { text, name, experimentId, check, saved, mode, restoredDraft, draftTooLarge, validate, load, loadSaved, save, removeSaved, parsedSpec, setSpec, restoreDraft, discardDraft };
});
