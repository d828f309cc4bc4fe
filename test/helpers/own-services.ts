import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

type Service = 'temporal' | 'elasticsearch';

/**
 * A Temporal dev server, and optionally an Elasticsearch node, of one test file's own: its own
 * ports and folders, so the file can stop and start them while the files beside it keep the
 * shared ones. `env` points the fixture, the worker and the CLI at them.
 */
export class OwnServices {
  readonly env: Readonly<Record<string, string>>;
  private readonly state: string;

  constructor(ports: { readonly temporal: number; readonly temporalUi: number; readonly elasticsearch?: number }) {
    this.state = mkdtempSync(join(tmpdir(), 'reembed-own-services-'));
    // Elasticsearch runs as an unprivileged user when the suite runs as root: it must reach its folder.
    chmodSync(this.state, 0o755);
    const es = ports.elasticsearch;
    this.env = {
      REEMBED_STATE: this.state,
      REEMBED_TEMPORAL_PORT: String(ports.temporal),
      REEMBED_TEMPORAL_UI_PORT: String(ports.temporalUi),
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      ...(es === undefined ? {} : { REEMBED_ES_NODES: this.state, REEMBED_ES_PORT: String(es), ES_URL: `http://127.0.0.1:${es}` }),
    };
  }

  async up(...services: Service[]): Promise<void> {
    await this.services('up', services);
  }

  async down(...services: Service[]): Promise<void> {
    await this.services('down', services);
  }

  /** Stops the services and removes their folder. */
  async remove(...services: Service[]): Promise<void> {
    await this.down(...services);
    rmSync(this.state, { recursive: true, force: true });
  }

  private async services(action: 'up' | 'down', services: Service[]): Promise<void> {
    await exec('bash', ['scripts/services.sh', action, ...services], { timeout: 180_000, env: { ...process.env, ...this.env } });
  }
}
