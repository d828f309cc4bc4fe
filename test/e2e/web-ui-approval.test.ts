import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { workflowUiUrl } from '../../temporal.config.js';
import { migrationWorkflowId } from '../../src/migration/input.js';
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

  it('leads with the summary and the verdict line, refuses an Update at once, and approves by a signal with a JSON payload from the workflow page', async () => {
    const collection = await fx.seedCollection(30);
    // Each golden query is a passage's own text, judged to find that passage: both models do.
    const passages = await fx.store.scan((await fx.registry.get(collection)).activeIndex, null, 3);
    await fx.services.golden.add(
      collection,
      passages.map((p) => ({ query: p.content!, relevant: { [p.id]: 1 } })),
      'file',
    );
    await fx.client.startMigration({ collection, targetSpecId: 'minilm-l6-v2-cls', graceMs: 3_600_000, requestedBy: 'e2e-operator' });
    const waiting = await fx.client.waitForPhase(collection, ['AWAITING_APPROVAL'], { timeoutMs: 120_000 });
    assert.equal(waiting.quality?.verdict, 'PASS', waiting.quality?.reason);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(workflowUiUrl(fx.config, migrationWorkflowId(collection)));

    // User Metadata holds the static summary (set at start) and the current details (set at every phase).
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    // Each piece renders in a frame of its own, named by the start of its content.
    const frame = (start: string) => page.frameLocator(`iframe[src*="/render?content=${start}"]`).locator('body');
    const summary = frame('Migrate');
    await summary
      .getByText(`Migrate ${collection}: minilm-l6-v2 → minilm-l6-v2-cls, started by e2e-operator; cutover needs 1 approval`)
      .waitFor({ timeout: 30_000 });
    await frame('%7C%20setting').getByText('grace period before the cutover').waitFor();
    assert.match(await frame('%7C%20setting').innerText(), /quality margin \(largest tolerated drop of nDCG@10\)\s+2\.0% of the old value/);
    const details = frame('**');
    await details.getByText('Quality gate: PASS').waitFor({ timeout: 30_000 });
    const text = await details.innerText();
    // The first line: phase, approvals, the verdict with its interval, the exact action.
    const first = text.split('\n')[0]!;
    assert.match(
      first,
      /^AWAITING_APPROVAL · 0 of 1 approvals · quality PASS, Δ nDCG@10 \+0\.000 \[\+0\.000, \+0\.000\] · next: approve: reembed approve \S+ --approver <name>/,
    );
    assert.match(text, /Quality gate: PASS — at worst \+0\.0%, at best \+0\.0% nDCG@10 \(95% interval, 3 queries\)/);
    const q = waiting.quality!;
    assert.match(text, new RegExp(`nDCG@10\\s+${q.old!.ndcg10!.toFixed(3)}\\s+${q.new!.ndcg10!.toFixed(3)}\\s+\\+0\\.000 \\[\\+0\\.000, \\+0\\.000\\]`));
    assert.match(text, /overlap@10 of old and new top 10\s+\d\.\d{3}/, 'overlap has a row of its own');
    await page.screenshot({ path: '/tmp/reembed-web-ui-quality.png' });

    // The Web UI sends Updates too: a refused one answers at once with the reason and changes nothing.
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: /Send an Update/ }).click();
    await page.getByRole('button', { name: /Select an Update/ }).click();
    await page.getByRole('option', { name: /^rollback/ }).click();
    await page.getByRole('textbox').last().click();
    await page.keyboard.insertText('{"by": "ui-operator", "reason": "too early"}');
    // In UI 2.42 a click on this dialog's Submit button does not send; Enter in its form does.
    await page.locator('#update-id:visible').press('Enter');
    await page.waitForTimeout(3000);
    await page.screenshot({ path: '/tmp/ui-after-update.png' });
    console.log('AFTER>>>', await page.locator('body').innerText());
    await page
      .getByText(/^rollback is only possible in RETENTION \(after cutover, before cleanup\); the migration is in AWAITING_APPROVAL$/)
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: '/tmp/reembed-web-ui-refused-update.png' });
    const after = await fx.client.status(collection);
    assert.equal(after.phase, 'AWAITING_APPROVAL');
    assert.deepEqual(after.migration!.refusedSignals, [], 'a refused Update leaves no record');
    await page.reload();

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
