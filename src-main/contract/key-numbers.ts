/**
 * A run's key numbers as its lesson declares them (or a generic table of its records): the model's
 * pure functions, offered to the renderer through the contract.
 */
export { genericKeyNumbers, keyNumbers, type KeyNumbersView, type LessonResults } from '../model/lesson-results';
export { claimsAcrossRuns, nonDefaultParams, paramDifferences, recordsAcrossRuns, type ClaimAcrossRuns, type ParamDifference, type RecordAcrossRuns } from '../model/run-details';
/** Numbers as claim evidence shows them, so a record reads the same in the claims and in the tables. */
export { formatEvidenceValue } from '../model/claim-evidence';
