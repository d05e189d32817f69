import { defineStore } from 'pinia';
import { computed, markRaw, ref, watch, type Ref } from 'vue';
import type { BuiltPack } from '@contract/lab-pack';
import { checkDraft, draftFromPack, type DraftCheck, isEmptyDraft, newDraft, reviveDraft, type PackDraft } from '../components/packs/pack-builder';
import { bytesToBase64 } from '../transport/base64';
import { errorMessage, useLabClient } from '../transport/lab-client';
import type { AsyncState } from './app';
import { useLessonsStore } from './lessons';

/** Where the builder's draft is kept: the page's localStorage (browser mode and the desktop app both have it). */
export const PACK_DRAFT_KEY = 'conlab.packBuilder.draft';
/** Drafts past this many characters (composed specs can be large) are not kept: localStorage holds a few million per origin. */
export const PACK_DRAFT_MAX_CHARS = 3_000_000;

/** Reads the kept draft; anything not shaped and bounded as one is no draft. */
export function readPackDraft(): PackDraft | null {
  let raw: string | null;
  try {
    raw = localStorage.getItem(PACK_DRAFT_KEY);
  } catch {
    return null;
  }
  if (raw === null || raw.length > PACK_DRAFT_MAX_CHARS) return null;
  try {
    return reviveDraft(JSON.parse(raw));
  } catch {
    return null;
  }
}

/**
 * A composed lesson's spec is carried, never edited, by the builder: kept out of Vue's reactivity, so a large
 * spec is not proxied nor walked by the draft's deep watch on every keystroke.
 */
export function withRawSpecs(draft: PackDraft): PackDraft {
  for (const lesson of draft.lessons) {
    const spec = lesson.source.kind === 'spec' ? lesson.source.spec : null;
    if (spec !== null && typeof spec === 'object') markRaw(spec);
  }
  return draft;
}

/** A pack file handed to the Packs page to open as a student. */
export interface PackHandoff {
  readonly fileName: string;
  readonly dataBase64: string;
}

/**
 * The pack builder: the draft (kept across reloads), its live check against the pack schema, the service's
 * check of the whole pack (lesson ids, composed specs, fixed values) a moment after the last edit, saving the
 * .conlabpack and handing it to the Packs page to open as a student.
 */
export const usePackBuilderStore = defineStore('packBuilder', () => {
  const client = useLabClient();
  // Typed as the draft itself: unwrapping the spec's recursive JSON type would only cost the compiler.
  const draft = ref(newDraft()) as Ref<PackDraft>;
  /** The draft was read back from localStorage when the page opened. */
  const restored = ref(false);
  /** Set when the draft is too long to keep (or the storage refused it): its length. */
  const draftTooLarge = ref<number | null>(null);
  const checked = computed((): DraftCheck => checkDraft(draft.value));

  /** The service's check of the pack as it is now ('done': accepted; 'error': serviceProblem says why). */
  const serviceCheck = ref<AsyncState>('idle');
  const serviceProblem = ref<string | null>(null);
  const built = ref<BuiltPack | null>(null);
  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  let keepTimer: ReturnType<typeof setTimeout> | null = null;
  const handoff = ref<PackHandoff | null>(null);

  function keep(): void {
    const text = JSON.stringify(draft.value);
    if (text.length > PACK_DRAFT_MAX_CHARS) {
      draftTooLarge.value = text.length;
      return;
    }
    try {
      if (isEmptyDraft(draft.value)) localStorage.removeItem(PACK_DRAFT_KEY);
      else localStorage.setItem(PACK_DRAFT_KEY, text);
      draftTooLarge.value = null;
    } catch {
      draftTooLarge.value = text.length;
    }
  }

  /** Asks the service for the pack as it is now; an answer for a pack the draft no longer is gets dropped. */
  async function build(): Promise<BuiltPack | null> {
    const { pack } = checked.value;
    built.value = null;
    if (!pack) {
      serviceCheck.value = 'idle';
      serviceProblem.value = null;
      return null;
    }
    serviceCheck.value = 'loading';
    const packJson = JSON.stringify(pack);
    // Compared by content, not by edit count: an edit made just before this call is in it already.
    const stale = (): boolean => JSON.stringify(checked.value.pack) !== packJson;
    try {
      const result = await client.call('packs.build', { packJson });
      if (stale()) return null;
      built.value = result;
      serviceCheck.value = 'done';
      serviceProblem.value = null;
      return result;
    } catch (error) {
      if (stale()) return null;
      serviceCheck.value = 'error';
      serviceProblem.value = errorMessage(error);
      return null;
    }
  }

  watch(
    draft,
    () => {
      built.value = null;
      serviceCheck.value = 'idle';
      if (keepTimer) clearTimeout(keepTimer);
      keepTimer = setTimeout(() => {
        keepTimer = null;
        keep();
      }, 400);
      if (checkTimer) clearTimeout(checkTimer);
      checkTimer = setTimeout(() => {
        checkTimer = null;
        void build();
      }, 700);
    },
    { deep: true },
  );
  // A reload within the pause still keeps the last keystrokes.
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', () => {
      if (keepTimer) {
        clearTimeout(keepTimer);
        keepTimer = null;
        keep();
      }
    });
  }

  /** Opens the kept draft once, when the store starts (a draft in memory wins over the stored one). */
  function restore(): void {
    if (restored.value || !isEmptyDraft(draft.value)) return;
    const stored = readPackDraft();
    if (stored && !isEmptyDraft(stored)) {
      draft.value = withRawSpecs(stored);
      restored.value = true;
    }
  }

  function startOver(): void {
    draft.value = newDraft();
    restored.value = false;
    try {
      localStorage.removeItem(PACK_DRAFT_KEY);
    } catch {
      // Nothing kept, nothing to remove.
    }
  }

  /** The lesson catalog, loaded (a built-in lesson's spec gives its parameters and what it records). */
  async function lessonsReady(): Promise<ReturnType<typeof useLessonsStore>> {
    const lessons = useLessonsStore();
    await lessons.load();
    if (lessons.state === 'loading') {
      await new Promise<void>((resolve) => {
        const stop = watch(
          () => lessons.state,
          (state) => {
            if (state !== 'loading') {
              stop();
              resolve();
            }
          },
        );
      });
    }
    return lessons;
  }

  /** Replaces the draft with a copy of a pack file (read and checked by the service; nothing runs). */
  async function editCopy(packBase64: string): Promise<void> {
    const pack = await client.call('packs.source', { packBase64 });
    const lessons = await lessonsReady();
    draft.value = withRawSpecs(draftFromPack(pack, (id) => lessons.byId(id)?.spec));
    restored.value = false;
  }

  async function editFile(file: File): Promise<void> {
    await editCopy(bytesToBase64(new Uint8Array(await file.arrayBuffer())));
  }

  /** Checks and builds the pack, then leaves it for the Packs page to open. */
  async function handToStudent(): Promise<PackHandoff | null> {
    const result = built.value ?? (await build());
    if (!result) return null;
    handoff.value = { fileName: result.file.fileName, dataBase64: result.file.dataBase64 };
    return handoff.value;
  }

  /** The pack left to open, once. */
  function takeHandoff(): PackHandoff | null {
    const pending = handoff.value;
    handoff.value = null;
    return pending;
  }

  return { draft, restored, draftTooLarge, checked, serviceCheck, serviceProblem, built, build, restore, startOver, lessonsReady, editCopy, editFile, handToStudent, takeHandoff };
});
