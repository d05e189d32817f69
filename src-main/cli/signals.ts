/**
 * Resolves at the first SIGINT or SIGTERM. A second one exits at once (130 or 143, as a shell reports a
 * signal): what is still being stopped is then left to the group watchdog and to the next start.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      resolveSignal(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
