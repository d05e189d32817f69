#!/usr/bin/env node
// The `conlab` command: sets V8 flags that must hold before any measured code runs, then loads the
// bundled CLI (out/cli/conlab.mjs, built by scripts/build-engine.mjs from src-main/cli/main.ts).
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Concurrent on-stack replacement compiles hot loops on a background thread; on our 2-core machines
// that thread competes with the actors and a tight loop randomly runs ~8x slower until it lands.
// Synchronous OSR makes compute-step timings stable from one run to the next.
setFlagsFromString('--no-concurrent-osr');

const cliBundle = new URL('../out/cli/conlab.mjs', import.meta.url);
if (!existsSync(cliBundle)) {
  console.error('conlab is not built: run npm run build:engine (npm install does it)');
  process.exit(2);
}
await import(cliBundle.href);
