import type { ReembedClient } from '../client/reembed-client.js';
import { loadConfig, type Config } from '../config/env.js';
import { Services } from '../services.js';

/**
 * What CLI commands share. The configuration is parsed once; everything else is built on
 * first use (a command that reads the spec file never connects anywhere) and closed at exit.
 */
export class CliContext {
  readonly config: Config = loadConfig();
  readonly services = new Services(this.config);
  private reembed?: ReembedClient;
  private reachable?: Promise<void>;

  /** The composition root, once Elasticsearch has answered (with what to do when it does not). */
  async connected(): Promise<Services> {
    this.reachable ??= this.services.assertReachable();
    await this.reachable;
    return this.services;
  }

  async client(): Promise<ReembedClient> {
    if (!this.reembed) {
      const { ReembedClient } = await import('../client/reembed-client.js');
      this.reembed = await ReembedClient.connect(this.config, this.services);
    }
    return this.reembed;
  }

  async close(): Promise<void> {
    if (this.reembed) await this.reembed.close();
    else await this.services.close();
  }
}
