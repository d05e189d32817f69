import { predictionProblem, type PredictionInput, type Question } from '@contract/predictions';

/** The answers given (blank ones left out), as runs.start takes them: a choice id, or a number. */
export function predictionInputs(questions: readonly Question[], answers: Readonly<Record<string, string>>): PredictionInput[] {
  const inputs: PredictionInput[] = [];
  for (const question of questions) {
    const raw = (answers[question.id] ?? '').trim();
    if (raw === '') continue;
    inputs.push({ question: question.id, value: question.kind === 'number' ? Number(raw) : raw });
  }
  return inputs;
}

/** Every answer given answers its question (a blank one is simply not given). */
export function predictionsValid(questions: readonly Question[], answers: Readonly<Record<string, string>>): boolean {
  return questions.every((question) => {
    const raw = (answers[question.id] ?? '').trim();
    return raw === '' || predictionProblem(question, raw) === null;
  });
}
