import { APP_ENTRY_URL, isAppUrl } from './security-policy';

/** Where the menu sends the window: routes of the bundled UI, and the run a page shows. Pure, testable without Electron. */

export function appRoute(route: string): string {
  return `${APP_ENTRY_URL}#${route.startsWith('/') ? route : `/${route}`}`;
}

/** The run id of the page the window shows (`#/runs/<id>`, its live view or results), or null. */
export function runIdFromAppUrl(url: string): string | null {
  if (!isAppUrl(url)) return null;
  const match = /#\/runs\/([0-9a-f-]{8,64})(?:[/?]|$)/i.exec(url);
  return match ? match[1]! : null;
}
