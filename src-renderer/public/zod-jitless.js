// Runs before the app's modules (a classic script, ahead of the module script in index.html): zod reads
// this global config when it builds its first object schema, which happens as the bundled contract
// modules load, before any code of main.ts can run. jitless stops zod's `new Function` probe, which
// the page's CSP forbids and Chromium reports as a console error on every load.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });
