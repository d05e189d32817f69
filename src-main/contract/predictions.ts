/**
 * Predictions for the renderer (model/questions.ts): a lesson's questions, a run's stored answers, and the one
 * scorer that checks them against what the run measured — the results page and the live page show the same
 * verdicts as the CLI. Pure functions, no Node imports.
 */
export {
  checkPredictions,
  predictionProblem,
  scorePrediction,
  QUESTION_LIMITS,
  type PredictionCheck,
  type PredictionInput,
  type Question,
  type QuestionChoice,
  type RunPrediction,
} from '../model/questions';
