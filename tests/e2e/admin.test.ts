import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { createDatabase, dropDatabase } from '../harness/strapi';

/**
 * The admin panel in a real browser: the built application started with `strapi start` on a
 * fresh database with the demo data, Debian's Chromium driven by Playwright at 1280x800. The
 * first admin registers, opens the overview, starts a renewal from a service plan's edit view,
 * records the counter payment and completes the Finance task of a seeded purchase from the Tasks
 * page (not of the renewal: whoever starts a run does not approve its payment), and watches that
 * run's checklist move on. The overview's charts (MRR in steps, the monthly MRR movements) and
 * figures are checked, and the run page at 1280 and 1440 px wide for anything cut off. A
 * screenshot of each page lands in tests/e2e/screenshots/, taken once the charts are drawn; any
 * console error or uncaught page error fails the test.
 */
/** The page's document, in the functions run in the browser (the tests compile without the DOM library). */
declare const document: any;

const appDir = path.resolve(__dirname, '..', '..');
const shots = path.join(__dirname, 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let app: ChildProcess;
let browser: Browser;
let page: Page;
let baseUrl: string;
const problems: string[] = [];
/**
 * Strapi's own requests that answer 404 by design in this edition: AI features only the
 * enterprise server registers, and the preview URL of a content type without a preview.
 */
const IGNORED = ['/admin/ai-feature-config', '/i18n/ai-localization-jobs/', '/content-manager/preview/url/'];

/** Strapi's own first-visit overlays (an announcement banner, the guided tour) hide the page. */
const dismissOverlays = async () => {
  for (const name of ['Skip', 'Close the banner.', 'Close guided tour']) {
    const button = page.getByRole('button', { name, exact: true });
    if (await button.first().isVisible().catch(() => false)) await button.first().click().catch(() => undefined);
  }
};
const output: string[] = [];

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const waitForApp = async (url: string, deadline: number) => {
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`The app exited (${app.exitCode}):\n${output.join('')}`);
    try {
      const response = await fetch(`${url}/_health`);
      if (response.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The app did not answer within the time limit:\n${output.join('')}`);
};

const shoot = async (name: string, options: { whole?: boolean } = {}) => {
  await page.waitForLoadState('networkidle');
  await dismissOverlays();
  if (!options.whole) {
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
    return;
  }
  // The whole page: the admin scrolls its content inside a container, not the document, so the
  // window is made as tall as the content for the picture.
  const viewport = page.viewportSize()!;
  const height = await page.evaluate(() => Math.max(...[...document.querySelectorAll('body *')].map((e: any) => e.scrollHeight as number)));
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 4000) });
  await page.waitForTimeout(300); // the charts resize to the new window
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
  await page.setViewportSize(viewport);
};

beforeAll(async () => {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  fs.mkdirSync(shots, { recursive: true });
  await createDatabase();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  app = spawn(process.execPath, [path.join(appDir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'start'], {
    cwd: appDir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: baseUrl, SEED_DEMO_DATA: 'true', JOBS_ENABLED: 'true', NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  app.stdout!.on('data', (chunk) => output.push(String(chunk)));
  app.stderr!.on('data', (chunk) => output.push(String(chunk)));
  await waitForApp(baseUrl, Date.now() + 180_000);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => {
    // A failed load is judged by the response below, which names the URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() < 400 || !response.url().startsWith(baseUrl)) return;
    if (IGNORED.some((path) => response.url().startsWith(`${baseUrl}${path}`))) return;
    problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    // Other hosts (Strapi's news, the marketplace) are out of reach on this closed network.
    // A fetch the page aborts itself (leaving a page cancels what it was still loading) is no fault.
    const reason = request.failure()?.errorText;
    if (request.url().startsWith(baseUrl) && reason !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} ${reason}`);
  });
  page.setDefaultTimeout(30_000);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (app && app.exitCode === null) {
    app.kill('SIGTERM');
    await new Promise((resolve) => app.once('exit', resolve));
  }
  await dropDatabase();
});

afterEach(() => {
  const seen = problems.splice(0);
  expect(seen).toEqual([]);
});

/** A money input's text once it matches: the record's values reach the input after the page shows. */
const moneyInput = async (name: string, pattern: RegExp): Promise<string> => {
  const input = page.locator(`input[name="${name}"]`);
  await input.waitFor();
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !pattern.test(await input.inputValue()); ) await page.waitForTimeout(100);
  return input.inputValue();
};

const nav = (name: string) => page.getByRole('navigation', { name: 'Plan renewals' }).getByRole('link', { name, exact: true });

test('the first admin registers and lands on the overview with the demo data', async () => {
  await page.goto(`${baseUrl}/admin`);
  await page.waitForURL(/register-admin/);
  await page.locator('input[name="firstname"]').fill('Grace');
  await page.locator('input[name="lastname"]').fill('Hopper');
  await page.locator('input[name="email"]').fill('grace@shop.test');
  await page.locator('input[name="password"]').fill('Str0ng-Passw0rd!');
  await page.locator('input[name="confirmPassword"]').fill('Str0ng-Passw0rd!');
  await page.getByRole('button', { name: /let's start/i }).click();
  await page.waitForURL((url) => !url.pathname.includes('/auth/'));
  await page.waitForLoadState('networkidle');
  await dismissOverlays();

  // The plugin's entry is in the main menu (as a link; the menu may show only its icon).
  await page.locator('nav a[href$="/plugins/plan-renewals"]').first().waitFor({ state: 'attached' });
  await page.goto(`${baseUrl}/admin/plugins/plan-renewals`);
  await page.waitForLoadState('networkidle');
  await dismissOverlays();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.locator('[data-stat="Active plans"]').waitFor();
  await page.getByRole('img', { name: 'MRR over the last 12 months' }).waitFor();
  const activePlans = await page.locator('[data-stat="Active plans"]').innerText();
  expect(Number(activePlans.match(/Active plans\s+(\d+)/i)?.[1])).toBeGreaterThan(0);

  // MRR moves in steps: the line is drawn of straight segments, never a smoothed curve.
  const mrrLine = page.locator('[data-chart="mrr"] path.recharts-curve').first();
  await mrrLine.waitFor();
  expect(await mrrLine.getAttribute('d')).toMatch(/^M[^C]+$/);
  // The movements chart: stacked bars of the five movements and the net change as a line.
  const movements = page.locator('[data-chart^="movements-"]').first();
  await movements.locator('.recharts-bar-rectangle path').first().waitFor();
  await movements.locator('path.recharts-curve').first().waitFor();
  for (const name of ['New', 'Expansion', 'Reactivation', 'Contraction', 'Churn', 'Net change']) {
    await movements.locator('.recharts-legend-item-text', { hasText: name }).first().waitFor();
  }
  // Churn rate and ARPA per currency, each with its one-line definition.
  expect(await page.locator('[data-stat="Churn rate"] p').first().innerText()).toMatch(/^[A-Z]{3} (\d+(\.\d+)? %|—)/);
  expect(await page.locator('[data-definition="Churn rate"]').innerText()).toMatch(/÷ customers with MRR at its start/);
  expect(await page.locator('[data-stat="ARPA"] p').first().innerText()).toMatch(/^[A-Z]{3}/);
  expect(await page.locator('[data-definition="ARPA"]').innerText()).toMatch(/^Average revenue per account: MRR .*÷ customers/);
  // Every figure opens the records behind it.
  expect(await page.locator('[data-stat^="Paid in"] a').getAttribute('href')).toMatch(/content-manager\/collection-types\/api::invoice\.invoice\?filters\[\$and\]\[0\]\[state\]\[\$in\]\[0\]=Paid.*\[paidAt\]\[\$gte\]=/);
  expect(await page.locator('[data-stat="Finance tasks"] a').getAttribute('href')).toMatch(/plugins\/plan-renewals\/tasks$/);
  // What was collected last month, and which invoices are unpaid since when, each with its records.
  expect(await page.locator('[data-stat^="Collected in"] p').first().innerText()).toMatch(/^[A-Z]{3} [\d,]+(\.\d+)?/);
  expect(await page.locator('[data-stat^="Collected in"] a').getAttribute('href')).toMatch(/api::transaction\.transaction\?filters.*\[occurredAt\]\[\$gte\]=/);
  expect(await page.locator('[data-stat="Unpaid invoices"]').innerText()).toMatch(/(\d+ invoices? · [A-Z]{3} [\d,.]+[\s\S]*oldest due \d{4}-\d{2}-\d{2})|None/);
  expect(await page.locator('[data-stat="Unpaid invoices"] a').getAttribute('href')).toMatch(/api::invoice\.invoice\?filters\[\$and\]\[0\]\[state\]\[\$eq\]=Open&sort=dueDate%3AASC/);
  // Every bar and line drawn (the charts are not animated) before the picture is taken.
  await page.waitForFunction(() => document.querySelectorAll('[data-chart] .recharts-surface path').length > 10);
  await shoot('overview', { whole: true });

  // Active plans opens the service plans MRR counts today: as many as the figure says.
  await page.locator('[data-stat="Active plans"] a').click();
  await page.waitForURL(/api::service-plan\.service-plan\?filters/);
  await page.getByRole('gridcell').first().waitFor();
  await page.getByText(new RegExp(`^${activePlans.match(/Active plans\s+(\d+)/i)?.[1]} (entry|entries) found$`)).waitFor();
}, 120_000);

let runUrl = '';

test('a renewal is started from the service plan in the content manager', async () => {
  // The Active plan ending first: a renewal may start from renewalLeadDays (14) before that end,
  // and the seeded monthly plan bought 20 days ago is within them.
  await page.goto(`${baseUrl}/admin/content-manager/collection-types/api::service-plan.service-plan?filters[$and][0][state][$eq]=Active&sort=endDate:ASC&page=1&pageSize=10`);
  await page.getByRole('gridcell').first().waitFor();
  await page.waitForLoadState('networkidle');
  await dismissOverlays();
  await page.getByRole('row').nth(1).getByRole('gridcell').nth(2).click();
  await page.getByRole('button', { name: 'Start renewal' }).waitFor();
  // A service plan has no currency of its own: its money is in its plan's.
  expect(await moneyInput('recurringMinor', /\./)).toMatch(/^[\d,]+\.\d\d$/);
  expect(await page.locator('[data-currency="recurringMinor"]').textContent()).toBe('USD');
  await shoot('service-plan');
  await page.getByRole('button', { name: 'Start renewal' }).click();
  await page.waitForURL(/plugins\/plan-renewals\/runs\//);
  runUrl = page.url();
  await page.locator('[data-step="verify-payment"][data-state="waiting"]').waitFor();
  expect(await page.locator('[data-state="done"]').count()).toBe(4);
  await shoot('run-started');
}, 60_000);

test('Finance records the counter payment and approves a purchase from the Tasks page; the checklist advances', async () => {
  await nav('Tasks').click();
  await page.getByRole('heading', { name: 'Tasks' }).waitFor();
  // Grace started the renewal above, so another member of Finance approves its payment
  // (separation of duties). She approves a purchase the shop took yesterday instead.
  const card = page.locator('[data-task]').filter({ hasText: 'Sofia Rossi' });
  const runHref = await card.locator('a[href*="/runs/"]').getAttribute('href');
  const purchaseUrl = runUrl.replace(/[^/]+$/, runHref!.split('/').pop()!);
  await card.getByRole('button', { name: 'Claim' }).click();
  await card.getByText(/claimed by Grace Hopper/).waitFor();
  // Her own claim she may give back; as a Super Admin she may also hand the task to staff of its role.
  await card.getByRole('button', { name: 'Give back' }).waitFor();
  await card.getByLabel('Reassign to').waitFor();
  await card.getByLabel('Payment reference').fill('DESK-4711');
  await card.getByLabel('Note').fill('Paid at the counter, card terminal receipt 4711');
  await shoot('tasks');
  await card.getByRole('button', { name: /^Record .* paid$/ }).click();
  await page.getByText(/Payment of .* recorded/).waitFor();
  await card.getByRole('button', { name: 'Complete' }).click();
  await page.getByText('Task completed: approved').waitFor();

  await page.goto(purchaseUrl);
  await page.locator('[data-step="verify-payment"][data-state="done"]').waitFor();
  await page.locator('[data-step="quality-check"][data-state="waiting"]').waitFor();
  expect(await page.locator('[data-state="done"]').count()).toBe(10);
  await page.locator('[data-step="verify-payment"]').getByText('approved: Paid at the counter', { exact: false }).waitFor();
  await shoot('run', { whole: true });

  // Nothing is cut off at the widths a laptop and a desktop show: the page never scrolls
  // sideways, and the audit trail ends inside the window.
  for (const width of [1280, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.locator('[data-audit-trail] tr').nth(1).waitFor();
    const overflow = await page.evaluate(() => {
      const root = document.scrollingElement!;
      const trail = document.querySelector('[data-audit-trail]')!;
      // The admin scrolls its content in a container of its own: none around the trail may scroll sideways.
      const sideways: string[] = [];
      for (let e = trail.parentElement; e; e = e.parentElement) if (e.scrollWidth > e.clientWidth) sideways.push(`${e.tagName}.${e.className}`);
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, tableRight: trail.querySelector('table')!.getBoundingClientRect().right, sideways };
    });
    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.clientWidth);
    expect(overflow.sideways).toEqual([]);
    expect(overflow.tableRight).toBeLessThanOrEqual(width);
    await shoot(`run-${width}`, { whole: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}, 60_000);

test('runs, reports and settings pages show real data', async () => {
  await nav('Runs').click();
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  await page.getByRole('row').nth(1).waitFor();
  await shoot('runs');

  await nav('Reports').click();
  await page.getByRole('heading', { name: 'Monthly revenue reports' }).waitFor();
  await page.getByText('MRR movements').waitFor();
  await shoot('reports');

  await nav('Settings').click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.getByText('renewals-due').waitFor();
  await shoot('settings');
}, 60_000);

test("the engine's pages draw any process: an approval waiting for its executive, its parallel reviews side by side and its reject branch, and a pre-paid plan's run", async () => {
  await page.goto(`${baseUrl}/admin/plugins/workflows`);
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  await page.getByRole('link', { name: 'Transit pass purchase or renewal' }).first().waitFor();
  const waiting = page.getByRole('row').filter({ hasText: 'Final executive approval' }).first();
  await waiting.getByRole('link', { name: 'Repair-estimate approval' }).click();
  await page.getByText('Compliance review', { exact: true }).first().waitFor();
  await page.getByText('Financial audit', { exact: true }).first().waitFor();
  await page.getByText('Runs after a rejection').waitFor();
  await page.getByText('Skipped unless the run is rejected').waitFor();
  await shoot('process-run');

  // The engine's task list: the executive's open task with its role, filtered by process.
  await page.goto(`${baseUrl}/admin/plugins/workflows/tasks?process=repair-approval`);
  await page.getByRole('heading', { name: 'Tasks' }).waitFor();
  await page.getByRole('row').filter({ hasText: 'Final executive approval' }).filter({ hasText: 'Executive' }).first().waitFor();
  expect(await page.getByRole('row').filter({ hasText: 'Transit pass' }).count()).toBe(0);

  // The pre-paid plans keep their own runs: the engine's pages list and draw them as well.
  await page.goto(`${baseUrl}/admin/plugins/workflows?process=prepaid-plan`);
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  await page.getByRole('link', { name: 'Pre-paid plan purchase or renewal' }).first().click();
  await page.getByText('5. Verify payment authorization').first().waitFor();
  await page.getByText('11. Post-activation quality check').first().waitFor();

  // The approvals' own list, in one status, with a link to each request.
  await page.goto(`${baseUrl}/admin/plugins/repair-approvals/requests?status=Rejected`);
  await page.getByRole('heading', { name: 'Requests' }).waitFor();
  await page.getByRole('row').nth(1).getByRole('link').waitFor();
  expect(await page.getByRole('row').filter({ hasText: 'Approved' }).count()).toBe(0);
}, 60_000);

test('invoices show their money in their currency, in the list and in the edit view', async () => {
  await page.goto(`${baseUrl}/admin/content-manager/collection-types/api::invoice.invoice`);
  await page.getByRole('gridcell').first().waitFor();
  const totals = page.getByRole('gridcell').filter({ hasText: /^USD [\d,]+\.\d\d$/ });
  await totals.first().waitFor();
  await page.getByRole('row').nth(1).getByRole('gridcell').nth(1).click();
  // Read-only (the process sets it), shown in major units beside the invoice's currency.
  expect(await moneyInput('totalMinor', /\d/)).toMatch(/^[\d,]+\.\d\d$/);
  const total = page.locator('input[name="totalMinor"]');
  expect(await total.isDisabled()).toBe(true);
  await page.locator('label', { hasText: /^Total\*?$/ }).waitFor();
  expect(await page.locator('[data-currency="totalMinor"]').textContent()).toBe('USD');
  await total.scrollIntoViewIfNeeded();
  await shoot('invoice');

  // A plan's price is typed in major units; more decimals than the currency has are refused.
  await page.goto(`${baseUrl}/admin/content-manager/collection-types/api::plan.plan`);
  await page.getByRole('row').nth(1).getByRole('gridcell').nth(1).click();
  expect(await moneyInput('priceMinor', /\d/)).toMatch(/^[\d,]+\.\d\d$/);
  const price = page.locator('input[name="priceMinor"]');
  await price.fill('643.001');
  await page.getByText('USD amounts have at most 2 decimals').waitFor();
  await price.fill('1,643.5');
  await price.blur();
  expect(await price.inputValue()).toBe('1,643.50');
  expect(await page.getByText('USD amounts have at most 2 decimals').count()).toBe(0);
}, 60_000);
