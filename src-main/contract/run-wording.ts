/**
 * The engine's sentences in the UI's language (claim verdicts, run errors, warnings): the model's one table
 * of English and Chinese texts, the renderer's door to it.
 */
export { wordClaimResult, wordRunText, wordVerdict, type WordingLang } from '../model/run-wording';
export { formatSpecIssues, wordSpecIssue } from '../model/spec-issue';
