/** Replaced at build time by electron.vite.config.ts (`define`): the version in package.json. */
declare const __APP_VERSION__: string;
