/**
 * A result that is there at once or later: operations that a thread completes on the spot (shared
 * memory, Atomics.wait) return the value itself, while the same operation brokered or awaited returns
 * a promise. Callers that `await` accept both; the interpreter's fast path continues synchronously
 * when it can, so a thread's steps cost no promise and no microtask each.
 */
export type Maybe<T> = T | Promise<T>;

/** Applies `next` now when the value is there, after it arrives otherwise. */
export function andThen<T, U>(value: Maybe<T>, next: (value: T) => U): Maybe<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
