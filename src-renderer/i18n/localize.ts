import type { ClaimResult, ClaimTrialEvidence, DeadlockReport } from '@contract/dto';
import { wordClaimResult, wordRunText, wordVerdict } from '@contract/run-wording';
import { useI18n } from 'vue-i18n';
import { useLessonsStore } from '../stores/lessons';
import { messageKey, runtimeLabel } from '../format';
import { textLang } from './index';

/** A comparison's note: the English reason, and the same as a code with its values when the engine sent one. */
interface ReasonNote {
  readonly reason: string | null;
  readonly reasonCode?: string;
  readonly reasonParams?: Readonly<Record<string, string | number>>;
}

/**
 * The engine's own sentences in the UI's language: a claim's verdict (from its comparisons, or its code when
 * it could not be judged), a trial's verdict, a run error or warning (an actor's own message quoted as is).
 * English (the recorded text) for runs recorded before codes were kept and for texts the table does not know.
 */
export function useRunWording() {
  const { locale } = useI18n();
  const lang = (): 'en' | 'zh' => textLang(locale.value);
  return {
    claimDetail: (claim: { readonly status?: ClaimResult['status'] | undefined; readonly detail: string; readonly trials?: ClaimResult['trials'] }): string =>
      wordClaimResult({ ...claim, status: claim.status ?? '' }, lang()),
    trialDetail: (trial: ClaimTrialEvidence): string => wordVerdict(trial, lang()),
    runText: (text: string): string => wordRunText(text, lang()),
  };
}

/**
 * Texts that the engine records in English, worded in the UI's language from what it also records as data:
 * a lesson run's title (the lesson's title in English), a deadlock (its cycle), a comparison's notes (code + values).
 */
export function useLocalized() {
  const { t, te, locale } = useI18n();
  const lessons = useLessonsStore();
  void lessons.load();

  /** A lesson run keeps the lesson's English title: shown as the lesson's title in the UI's language. */
  function runTitle(run: { readonly title: string; readonly lessonId: string | null }): string {
    if (run.lessonId === null) return run.title;
    const lesson = lessons.byId(run.lessonId);
    if (!lesson || lesson.title.en !== run.title) return run.title;
    return lesson.title[textLang(locale.value)] || run.title;
  }

  /** One sentence naming every actor and lock of the cycle. */
  function deadlockText(report: DeadlockReport): string {
    const edges = report.cycle.map((edge) => t('results.waitsFor', { actor: edge.actor, lock: edge.waitsFor, holder: edge.heldBy }));
    return edges.length > 0 ? t('lang.deadlock', { cycle: edges.join(t('lang.cycleSeparator')) }) : report.description;
  }

  function reasonText(note: ReasonNote): string {
    const key = note.reasonCode ? `lang.compareReasons.${messageKey(note.reasonCode)}` : '';
    if (key && te(key, 'en')) return t(key, { ...note.reasonParams });
    return note.reason ?? '';
  }

  /** Where a run ran (`Node v22.1.0`, `CPython 3.13.0`), with "no GIL" in the UI's language. */
  function runtimeText(run: Parameters<typeof runtimeLabel>[0]): string {
    const label = runtimeLabel(run);
    const noGil = ' (no GIL)';
    return label.endsWith(noGil) ? t('lang.noGil', { runtime: label.slice(0, -noGil.length) }) : label;
  }

  return { runTitle, deadlockText, reasonText, runtimeText, ...useRunWording() };
}
