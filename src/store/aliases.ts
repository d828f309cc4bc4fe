import type { Client } from '@elastic/elasticsearch';

/** The read alias of a collection: the one name searchers use, whatever index serves it. */
export class AliasStore {
  constructor(private readonly es: Client) {}

  /** Indexes the alias points to (one, outside of a broken state). */
  async targets(alias: string): Promise<string[]> {
    try {
      const response = await this.es.indices.getAlias({ name: alias });
      return Object.keys(response).sort();
    } catch (error) {
      if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return [];
      throw error;
    }
  }

  async create(alias: string, index: string): Promise<void> {
    await this.es.indices.updateAliases({ actions: [{ add: { index, alias, is_write_index: false } }] });
  }

  /**
   * Moves the alias in one atomic `_aliases` request. `must_exist` makes the removal fail
   * (and with it the whole request) when the alias no longer points where we think, so a
   * concurrent change can never leave the alias on two indexes or on none.
   */
  async swap(alias: string, from: string, to: string): Promise<void> {
    await this.es.indices.updateAliases({
      actions: [{ remove: { index: from, alias, must_exist: true } }, { add: { index: to, alias } }],
    });
  }
}
