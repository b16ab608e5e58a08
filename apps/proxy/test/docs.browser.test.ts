/**
 * /docs in a real browser: Debian's Chromium driven by playwright-core (never a browser download). The
 * operations render, "try it" reaches the running proxy and shows its answer, the CSP blocks nothing the
 * page needs, and the page asks nothing of any other origin. A screenshot is left in the temp directory.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { CUSTOMER, defer, KEYS, proxyFor, simulator } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT = join(tmpdir(), 'batchwatch-proxy-docs.png');

describe.runIf(existsSync(CHROMIUM))('/docs in headless Chromium', () => {
  it('renders every operation, and "try it" gets a batch from the running proxy', { timeout: 180_000 }, async () => {
    const sim = await simulator({ clock: createVirtualClock() });
    const { trackingId } = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url);
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    defer(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    page.setDefaultTimeout(60_000);
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
    page.on('pageerror', (error) => void problems.push(error.message));
    page.on('request', (request) => void (!request.url().startsWith(proxy.url) && !request.url().startsWith('data:') && elsewhere.push(request.url())));

    await page.goto(`${proxy.url}/docs`);
    const statusPath = '/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}';
    await page.locator('.opblock').first().waitFor();
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    for (const path of [statusPath, `${statusPath}/events`, '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      expect(paths.map((text) => text.replace(/\u200b/g, '').trim())).toContain(path);
    }

    // Authorize with an API key, then "try it" on the batch-status operation.
    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('.modal-ux input').first().fill(KEYS.tui);
    await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();
    const operation = page
      .locator('.opblock-get')
      .filter({ has: page.locator('.opblock-summary-path', { hasText: /\{batchtracking-id\}$/ }) })
      .first();
    await operation.locator('.opblock-summary').click();
    await operation.locator('tr[data-param-name="customer-id"] input').fill(CUSTOMER);
    await operation.locator('tr[data-param-name="batchtracking-id"] input').fill(trackingId);
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table');
    await live.locator('.response-col_status', { hasText: '200' }).waitFor();
    expect(await live.innerText()).toContain(trackingId);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems.filter((text) => /Content Security Policy|Refused to/i.test(text))).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
