/** "run.trials[0].wallMs" from ['run', 'trials', 0, 'wallMs']; keys that are not plain names are quoted. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** A path for a message, with the middle of a very deep one left out: its start and end say where it is. */
export function abbreviatedJsonPath(path: readonly PropertyKey[]): string {
  const KEEP_START = 6;
  const KEEP_END = 4;
  if (path.length <= KEEP_START + KEEP_END + 1) return formatJsonPath(path);
  const end = formatJsonPath(path.slice(-KEEP_END));
  return `${formatJsonPath(path.slice(0, KEEP_START))}…(${path.length - KEEP_START - KEEP_END} levels)…${end.startsWith('[') ? '' : '.'}${end}`;
}
