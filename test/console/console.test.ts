// The web console in a real browser (Debian's chromium driven by playwright-core): sign in, create an
// endpoint, bind an address and see it ACTIVE, see an API error next to its field, unbind, screenshot.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { startServer, type RunningServer } from '../helpers/serve-process.ts';

const CHROMIUM = process.env.VPCDNS_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.log(`# console browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium, as .ci/run does)`);

const RESULTS = new URL('../../test-results/', import.meta.url).pathname;
const NET = loopbackNet();
const TOKEN = 'console-test-token-000000001';
const SUBNET = '6f1c0e2a-0000-4000-8000-0000000000c1';

describe('web console in chromium', { skip: HAVE_CHROMIUM ? false : 'chromium not installed' }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-console-'));

  before(async () => {
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'projects:',
        `  - { id: eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee, name: console, tokens: [ "${TOKEN}" ] }`,
        'vpcs:',
        '  - id: 6f1c0e2a-0000-4000-8000-0000000000c0',
        '    project_id: eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
        '    name: console-vpc',
        `    cidr: ${NET.cidr}`,
        '    subnets:',
        `      - { id: ${SUBNET}, name: console-subnet, cidr: ${NET.prefix}.0/25, gateway_ip: ${NET.ip(1)} }`,
      ].join('\n'),
    );
    const dnsPort = await freeDnsPort([2, 3, 4, 5, 6].map(NET.ip));
    server = await startServer({ dnsPort, args: ['--db', ':memory:', '--config', join(dir, 'config.yaml')], timeoutMs: 30_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    // A loaded CI machine can be slow to start chromium and the server; waits are generous, not sleeps.
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the keyboard', async () => {
    await page.goto(`${server.url}/console/`);
    await page.locator('input[name=token]:focus').waitFor(); // the token field has focus on arrival
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent !== 'Sign in' || document.querySelector('.field-error'));
    const shown = await page.locator('main').innerText();
    assert.match(shown, /^Endpoints/, `after signing in the page shows: ${shown}`);
  });

  it('shows a wrong token as an error next to the field', async () => {
    const other = await browser.newPage();
    await other.goto(`${server.url}/console/`);
    await other.fill('input[name=token]', 'not-a-valid-token-at-all');
    await other.click('button[type=submit]');
    await other.locator('.field-error').waitFor();
    assert.match(await other.locator('.field-error').innerText(), /APIGW\.0301|token/);
    await other.close();
  });

  it('creates an endpoint and shows it become ACTIVE without a reload', async () => {
    await page.click('text=Create an endpoint');
    await page.fill('input[name=name]', 'console-ep');
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Endpoint console-ep' }).waitFor();
    await page.locator('main p .status', { hasText: 'ACTIVE' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('tbody tr').count(), 2);
  });

  it('offers free addresses, binds one, and shows it ACTIVE', async () => {
    const offered = await page.locator('#free-ips option').first().getAttribute('value');
    assert.match(offered ?? '', new RegExp(`^${NET.prefixPattern}\\.\\d+$`));
    await page.fill('input[name=ip]', offered!);
    await page.click('text=Bind address');
    await page.locator('tbody tr', { hasText: offered! }).locator('.status', { hasText: 'ACTIVE' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('tbody tr').count(), 3);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'console-endpoint.png'), fullPage: true });
  });

  it('shows an API error next to the field it concerns', async () => {
    await page.fill('input[name=ip]', '10.9.9.9');
    await page.click('text=Bind address');
    const error = page.locator('label .field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /DNS\.1505/);
  });

  it('unbinds an address', async () => {
    const before = await page.locator('tbody tr').count();
    await page.locator('tbody tr').last().getByRole('button', { name: /Unbind/ }).click();
    await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length === n - 1, before, { timeout: 30_000 });
  });

  it('creates a rule, shows its targets, and associates the VPC', async () => {
    await page.click('nav >> text=Rules');
    await page.getByRole('heading', { name: 'Resolver rules' }).waitFor();
    await page.fill('input[name=name]', 'corp');
    await page.fill('input[name=domain]', 'corp.example.');
    await page.fill('input[name=targets]', '10.0.0.2, 10.0.0.3:5353');
    await page.click('text=Create rule');
    const row = page.locator('tbody tr', { hasText: 'corp.example.' });
    await row.locator('code', { hasText: '10.0.0.3:5353' }).waitFor();
    await row.getByRole('button', { name: 'Associate' }).click();
    await row.locator('div .status', { hasText: 'ACTIVE' }).waitFor();
    await row.locator('td .status', { hasText: 'ACTIVE' }).first().waitFor();
  });

  it('stays usable on a narrow screen', async () => {
    await page.setViewportSize({ width: 380, height: 800 });
    await page.goto(`${server.url}/console/#/endpoints`);
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 400, `page is ${width}px wide on a 380px screen`);
    await page.screenshot({ path: join(RESULTS, 'console-narrow.png'), fullPage: true });
  });
});
