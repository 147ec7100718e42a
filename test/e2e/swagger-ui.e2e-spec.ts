import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, chromium, Page, Request } from 'playwright-core';
import { buildOpenApiDocument } from '../../src/openapi/swagger';
import { authHeader } from '../support/auth';
import { resetDatabase, startApi } from '../support/app';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const UI_TIMEOUT_MS = 15_000;
/**
 * The first page load parses a 1.4 MB bundle in a cold browser while the other jest worker is busy:
 * CI once needed more than 15 s for it. The tests check what the page does, not how fast it loads.
 */
const FIRST_LOAD_TIMEOUT_MS = 60_000;
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

  /** Requests sent and not yet answered, so that a load that times out says what it waited for. */
  const unanswered = new Map<Request, number>();

  /** Records what went wrong on `target` into `errors`, and what it still waits for. */
  const watch = (target: Page, errors: string[]): void => {
    target.on('request', (sent) => unanswered.set(sent, Date.now()));
    target.on('requestfinished', (answered) => unanswered.delete(answered));
    target.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    target.on('requestfailed', (failed) => {
      unanswered.delete(failed);
      errors.push(`failed: ${failed.url()} ${failed.failure()?.errorText}`);
    });
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
    await loadDocs(page, `http://127.0.0.1:${port}/api/docs`);
  });

  /** Opens the docs page; a timeout names the requests still unanswered and for how long. */
  const loadDocs = async (target: Page, url: string): Promise<void> => {
    try {
      await target.goto(url, { timeout: FIRST_LOAD_TIMEOUT_MS });
    } catch (error) {
      const waiting = [...unanswered].map(
        ([request, since]) => `${request.url()} (${Date.now() - since} ms)`,
      );
      throw new Error(`${(error as Error).message}\nunanswered: ${waiting.join(', ') || 'none'}`);
    }
  };

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
      await loadDocs(other, `http://${HOST_NAME}:${port}/api/docs`);
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
