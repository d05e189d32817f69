/** The run statuses as values the renderer can list (the pure model's own constant, re-exported). */
export { RUN_STATUSES } from '../model/run-model';
