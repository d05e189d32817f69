/**
 * Parameters a lesson runs with on CPython unless the person sets them: CPython's `compute` loop runs as
 * bytecode, some 50× slower than on Node, so a CPU lesson gets fewer iterations there for about the same
 * time. `--set` still wins.
 */
export const CPYTHON_PARAMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'cpu-vs-io': { cpuIterations: 5_000_000 },
  gil: { cpuIterations: 3_000_000 },
};
