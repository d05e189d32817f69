/** An actor's program failed: the message says which step and why. */
export class ActorFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActorFailure';
  }
}

/** Unwinds a function body to its caller with the returned value. */
export class ReturnSignal {
  constructor(readonly value: unknown) {}
}
