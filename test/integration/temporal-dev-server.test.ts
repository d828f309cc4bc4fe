import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SEARCH_ATTRIBUTE_KEYS } from '../../temporal.config.js';
import { connectTemporal } from '../../src/client/temporal-client.js';
import type { Config } from '../../src/config/env.js';
import { requireServices } from '../helpers/services.js';

describe('Temporal dev server started by the project scripts', () => {
  let config: Config;
  before(async () => {
    config = await requireServices();
  });

  it('serves the Web UI on its configured URL', async () => {
    const page = await fetch(`${config.temporal.uiUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const api = await fetch(`${config.temporal.uiUrl}/api/v1/namespaces/${config.temporal.namespace}`);
    assert.equal(api.status, 200, 'the UI server proxies to the frontend');
    assert.equal(((await api.json()) as { namespaceInfo: { name: string } }).namespaceInfo.name, config.temporal.namespace);
  });

  // services.sh registers them with `reembed init` from temporal.config.ts: no second list to keep in step.
  it('has the search attributes the migration workflow uses registered', async () => {
    const temporal = await connectTemporal(config);
    try {
      const { customAttributes } = await temporal.client.connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
      for (const name of SEARCH_ATTRIBUTE_KEYS.map((key) => key.name)) assert.ok(name in customAttributes, `${name} registered`);
    } finally {
      await temporal.close();
    }
  });
});
