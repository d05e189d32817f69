import { formatJsonPath } from './json-path';

/**
 * Input from another person (a file, an upload) refused before it is used. `message` is one line a person can
 * act on; `segments` locate the problem inside the JSON document ([] for the file as a whole) and `problem`
 * says what is wrong there, for callers that put the location into their own words.
 */
export class UntrustedInputError extends Error {
  override readonly name = 'UntrustedInputError';
  constructor(
    message: string,
    readonly segments: readonly (string | number)[] = [],
    readonly problem: string = message,
  ) {
    super(message);
  }

  /** The JSON path of the problem, as "events[3].payload" ('' for the file as a whole). */
  get path(): string {
    return formatJsonPath(this.segments);
  }
}
