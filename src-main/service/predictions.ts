import { predictionProblem, QUESTION_LIMITS, type PredictionInput, type Question, type RunPrediction } from '../model/questions';
import { LabError } from './lab-service';

/**
 * A learner's predictions checked against the questions they answer, before anything is stored: each names
 * one of the questions (once), a choice among its choices or a number within its bounds. The first problem
 * is refused as bad input naming `predictions[i]`; what passes is ready for the store (a number as text).
 */
export function checkPredictionInputs(questions: readonly Question[], inputs: readonly PredictionInput[], answeredAt: Date = new Date()): RunPrediction[] {
  if (inputs.length > QUESTION_LIMITS.perLesson) {
    throw new LabError('bad-input', `predictions: at most ${QUESTION_LIMITS.perLesson} answers (one per question), got ${inputs.length}`);
  }
  const seen = new Set<string>();
  return inputs.map((input, index): RunPrediction => {
    const at = `predictions[${index}]`;
    const question = questions.find((q) => q.id === input.question);
    if (!question) {
      const ids = questions.map((q) => q.id);
      throw new LabError('bad-input', `${at}.question: no question "${input.question.slice(0, 64)}" (${ids.length ? `expected one of ${ids.join(', ')}` : 'this run asks none'})`);
    }
    if (seen.has(question.id)) throw new LabError('bad-input', `${at}.question: "${question.id}" is answered twice`);
    seen.add(question.id);
    const problem = predictionProblem(question, input.value);
    if (problem !== null) throw new LabError('bad-input', `${at}.value: question ${question.id}: ${problem}`);
    const value = question.kind === 'number' ? String(typeof input.value === 'number' ? input.value : Number(input.value)) : String(input.value);
    return { question: question.id, value, answeredAt: answeredAt.toISOString() };
  });
}
