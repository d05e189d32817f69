/** An experiment spec a person saved from the composer. */
export interface SavedExperiment {
  readonly id: string;
  readonly name: string;
  readonly spec: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}
