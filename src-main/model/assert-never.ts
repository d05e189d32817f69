/** Ends a switch over a closed union: the compiler proves it unreachable, the runtime names the stranger. */
export function assertNever(value: never, what = 'message'): never {
  throw new Error(`unknown ${what}: ${JSON.stringify(value)}`);
}
