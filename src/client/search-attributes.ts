import type { ConnectionLike } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../temporal.config';

/** temporal.api.enums.v1.IndexedValueType values (the wire enum of the operator API). */
const KEYWORD = 2;
const DOUBLE = 4;

/** The type of each search attribute the migration workflow upserts. */
const TYPES: Record<string, number> = {
  [SEARCH_ATTRIBUTES.collection]: KEYWORD,
  [SEARCH_ATTRIBUTES.phase]: KEYWORD,
  [SEARCH_ATTRIBUTES.targetModel]: KEYWORD,
  [SEARCH_ATTRIBUTES.coverage]: DOUBLE,
};

export async function missingSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.keys(TYPES).filter((name) => !(name in (customAttributes ?? {})));
}

/**
 * Registers the attributes a namespace lacks. Without them every migration workflow task
 * would fail ("search attribute ... is not defined") and retry forever.
 */
export async function registerSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, TYPES[name]!])),
    });
  }
  return missing;
}
