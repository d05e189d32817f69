/**
 * The actor-state derivation (model/actor-states.ts) for the renderer: the timeline draws the same states
 * as the HTML report and the Perfetto export. Pure functions on trace events, no Node imports.
 */
export {
  ACTOR_STATES,
  countStatesAt,
  deriveTrialStates,
  MAX_HAND_OFF_ACQUIRES,
  STATE_OF_OP,
  targetOf,
  stateAt,
  valueLabel,
  type ActorState,
  type ActorTimeline,
  type WakeCause,
  type CounterTrack,
  type DeadlockView,
  type HandOff,
  type LockHold,
  type PhaseMark,
  type StateInterval,
  type TrialStates,
} from '../model/actor-states';
