import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { buildOpenApiDocument } from '../../src/openapi/swagger';
import { authHeader } from '../support/auth';
import { resetDatabase, startApi } from '../support/app';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const UI_TIMEOUT_MS = 15_000;
/** Resolved to 127.0.0.1 by the browser alone: an origin that, unlike loopback, is not "trustworthy". */
const HOST_NAME = 'nemo-api.test';

/**
 * Debian's chromium (scripts/services.sh installs it; CHROMIUM_BIN from .local/env). The flags keep
 * it from reaching out to Google's services, which this machine's closed network refuses.
 */
function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
    ],
  });
}

describe('Swagger UI at /api/docs in headless Chromium', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let page: Page;
  let port: number;
  /** Script errors, Content-Security-Policy violations and failed loads the page reported. */
  const pageErrors: string[] = [];

  /** Records what went wrong on `target` into `errors`. */
  const watch = (target: Page, errors: string[]): void => {
    target.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    target.on('requestfailed', (failed) =>
      errors.push(`failed: ${failed.url()} ${failed.failure()?.errorText}`),
    );
    // The browser also logs each 401 of the first call as a failed resource: only CSP matters here.
    target.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text()))
        errors.push(`console: ${message.text()}`);
    });
  };

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    [app, browser] = await Promise.all([startApi(), launchChromium()]);
    await resetDatabase(app);
    port = (app.getHttpServer().address() as AddressInfo).port;
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    watch(page, pageErrors);
    await page.goto(`http://127.0.0.1:${port}/api/docs`);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const operation = (tag: string, operationId: string): ReturnType<Page['locator']> =>
    page.locator(`#operations-${tag}-${operationId}`);

  /** Executes the expanded "Try it out" form and reads the status of the answer it shows. */
  const statusOf = async (tag: string, operationId: string): Promise<string> => {
    const block = operation(tag, operationId);
    const status = block.locator('.live-responses-table tbody .response-col_status').first();
    // An earlier answer stays on screen until the new one arrives: clear it first.
    const clear = block.locator('button.btn-clear');
    if ((await clear.count()) > 0) await clear.click();
    await status.waitFor({ state: 'detached' });
    await block.locator('button.execute').click();
    await status.waitFor();
    return (await status.innerText()).trim();
  };

  it('renders the document with every tag group, without script or CSP errors', async () => {
    await page.locator('.swagger-ui .information-container .title').waitFor();
    expect(await page.locator('.swagger-ui .information-container .title').innerText()).toContain(
      'NEMO Intent API',
    );
    const expected = (buildOpenApiDocument(app).tags ?? []).map((tag) => tag.name);
    const shown = await page
      .locator('.opblock-tag-section h3.opblock-tag')
      .evaluateAll((tags) => tags.map((tag) => tag.getAttribute('data-tag')));
    expect(expected).toEqual(
      expect.arrayContaining(['workloads', 'instances', 'intents', 'health']),
    );
    expect(shown).toEqual(expected);
    expect(pageErrors).toEqual([]);
  });

  it('refuses "Try it out" of GET /api/v1/workloads without a token (401)', async () => {
    const block = operation('workloads', 'workloads_list');
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    expect(await statusOf('workloads', 'workloads_list')).toBe('401');
  });

  it('accepts a bearer token in "Authorize" and then answers the same call with 200', async () => {
    const token = (await authHeader({ roles: ['reader'] })).replace(/^Bearer /, '');
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('input[type="text"]').fill(token);
    await dialog.locator('.auth-btn-wrapper button.authorize').click();
    await dialog.getByText('Authorized', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await dialog.locator('.auth-btn-wrapper button.btn-done').click();
    await expect(page.locator('.scheme-container button.authorize.locked').count()).resolves.toBe(
      1,
    );

    expect(await statusOf('workloads', 'workloads_list')).toBe('200');
    const body = await operation('workloads', 'workloads_list')
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .innerText();
    expect(JSON.parse(body)).toMatchObject({ items: [], meta: { page: 1, total: 0 } });
    await operation('workloads', 'workloads_list').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUTPUT, 'swagger-ui.png') });
    expect(pageErrors).toEqual([]);
  });

  // Loopback origins are "potentially trustworthy", which hides what a plain-HTTP deployment under
  // a host name meets: CSP `upgrade-insecure-requests` turns every asset URL into https, and the
  // page stays blank.
  it('loads over plain HTTP under a host name (LAN or in-cluster URL) too', async () => {
    const other = await browser.newPage();
    const errors: string[] = [];
    watch(other, errors);
    try {
      await other.goto(`http://${HOST_NAME}:${port}/api/docs`);
      await other
        .locator('.swagger-ui .information-container .title')
        .waitFor({ timeout: 5_000 })
        .catch(() => errors.push('the page did not render'));
      expect(errors).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
