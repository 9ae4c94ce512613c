import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtFor } from '../helpers/auth.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** With auth on, the UI asks for a token, checks it, and then reads the signed-in tenant only. */
const SECRET = 'ui-signin-secret-0123456789abcdef';
let s: TestServer;
let browser: Browser;

beforeAll(async () => {
  s = await startTestServer({ auth: { enabled: true, jwt_secret: SECRET }, rate_limits: { enabled: false }, batch_write: { flush_interval: '5ms' } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('sign-in', () => {
  it('asks for a token, rejects a bad one with the server’s message, and signs in with a good one', async () => {
    const token = await jwtFor(SECRET, 'tenant_ui', ['read', 'write']);
    const w = await fetch(`${s.url}/api/v1/write`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ metrics: [{ name: 'tenant_ui_metric', timestamp: Date.now(), value: 1 }] }) });
    expect(w.status).toBe(200);
    const { page, errors, screenshot } = await openPage(browser);
    await page.goto(`${s.url}/#/explore`);
    await page.getByTestId('token').fill('not-a-token');
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('error').textContent()).toContain('UNAUTHORIZED');
    await screenshot('sign-in');
    // The refused attempt is the only error, and it is Chromium reporting the 401.
    expect(errors.splice(0)).toEqual([expect.stringContaining('status of 401')]);

    await page.getByTestId('token').fill(token);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('metric-input').fill('tenant_ui_metric');
    await expect.poll(() => page.getByTestId('result').getAttribute('data-state')).toBe('ready');
    expect(await page.locator('datalist option[value=tenant_ui_metric]').count()).toBe(1);
    // Reloading keeps the session; signing out asks again.
    await page.reload();
    await expect.poll(() => page.getByTestId('metric-input').count()).toBe(1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByTestId('token').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
