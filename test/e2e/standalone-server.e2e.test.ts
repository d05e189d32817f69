import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpGet } from '../../src-main/net/http-client';
import { canBind } from '../net/helpers';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * The network page's "run a standalone server": the form starts one, the page shows the address to
 * copy and the server's figures as a real client uses it, and Stop frees the port.
 */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('a standalone server from the network page', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('start (http, event-loop, hello), curl-like client served, figures shown, stop', async () => {
    const { page } = session;
    await session.go('/network');
    await page.getByTestId('server-protocol').selectOption('http');
    await page.getByTestId('server-model').selectOption('event-loop');
    await page.getByTestId('server-handler').selectOption('hello');
    await page.getByTestId('server-start').click();
    const address = (await page.getByTestId('server-address').first().textContent({ timeout: 20_000 }))!.trim();
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (let i = 0; i < 3; i++) expect((await httpGet(address)).text).toContain('Hello from Concurrency Lab!');
    // The figures refresh every second: wait (generously) for the three requests to show.
    await page.getByTestId('server-figures').filter({ hasText: /· 3 requests ·/ }).waitFor({ timeout: 15_000 });
    await page.getByTestId('server-stop').click();
    await page.getByTestId('server-entry').waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByText(/Stopped http:\/\/127\.0\.0\.1:\d+\/: 3 requests, 3 connections\./).waitFor({ timeout: 5_000 });
    expect(await canBind(Number(new URL(address).port))).toBe(true);
  });
});
