import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { workflowUiUrl } from '../../temporal.config.js';
import { migrationWorkflowId } from '../../src/migration/contract.js';
import { MigrationFixture } from '../helpers/migration-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

describe('approval from the Temporal Web UI (headless Chromium)', () => {
  let fx: MigrationFixture;
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs Debian's chromium package; run it as root or install chromium yourself`);
    fx = await MigrationFixture.create();
    await fx.startWorker();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('shows the quality report, sends approveCutover with a JSON payload from the workflow page, and the workflow enters the grace period', async () => {
    const collection = await fx.seedCollection(30);
    // Each golden query is a passage's own text, judged to find that passage: both models do.
    const passages = await fx.store.scan((await fx.registry.get(collection)).activeIndex, null, 3);
    await fx.services.golden.add(
      collection,
      passages.map((p) => ({ query: p.content!, relevant: { [p.id]: 1 } })),
      'file',
    );
    await fx.client.startMigration({ collection, targetSpecId: 'minilm-l6-v2-cls', graceMs: 3_600_000 });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.equal(waiting.quality?.verdict, 'PASS', waiting.quality?.reason);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(workflowUiUrl(fx.config, migrationWorkflowId(collection)));

    // The quality report is the workflow's current details: the UI renders its markdown in a frame.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const details = page.frameLocator('iframe[src*="/render"]').locator('body');
    await details.getByText('Quality gate: PASS').waitFor({ timeout: 30_000 });
    const table = await details.innerText();
    assert.match(table, new RegExp(`nDCG@10\\s+${waiting.quality!.old!.ndcg10!.toFixed(3)}\\s+${waiting.quality!.new!.ndcg10!.toFixed(3)}`));
    assert.match(table, /approveCutover/);
    await page.screenshot({ path: '/tmp/reembed-web-ui-quality.png' });
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: /Send a Signal/ }).click();
    const dialog = page.locator('#modal-content-signal-confirmation-modal');
    // With a worker running, the UI reads the workflow's signal definitions (and their
    // descriptions) through the metadata query and offers them in a list.
    await dialog.getByRole('button', { name: /Select a signal/ }).click();
    const approveOption = page.getByRole('option', { name: /approveCutover/ });
    await approveOption.waitFor();
    const options = await page.getByRole('option').allInnerTexts();
    for (const signal of ['approveCutover', 'rejectCutover', 'pause', 'resume', 'rollback', 'endRetention']) {
      assert.ok(
        options.some((o) => o.includes(signal)),
        `${signal} offered in ${JSON.stringify(options)}`,
      );
    }
    await approveOption.click();
    await dialog.getByRole('textbox').last().click();
    // insertText bypasses the editor's bracket auto-closing, so the JSON arrives as typed.
    await page.keyboard.insertText('{"approver": "ui-operator", "note": "approved in the Web UI"}');
    await page.getByRole('button', { name: 'Submit' }).last().click();

    const grace = await fx.client.waitForPhase(collection, ['GRACE_PERIOD'], { timeoutMs: 30_000 });
    assert.equal(grace.approval?.approver, 'ui-operator');
    assert.equal(grace.approval?.note, 'approved in the Web UI');
    assert.deepEqual(await fx.aliases.targets(collection), [(await fx.registry.get(collection)).activeIndex], 'the alias waits for the grace period');
    await page.screenshot({ path: '/tmp/reembed-web-ui-approval.png' });

    await fx.client.reject(collection, { by: 'test', reason: 'end of test' });
    assert.equal((await fx.client.result(collection)).phase, 'REJECTED');
  });
});
