import type { ConnectionLike } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { ReembedUsageError } from '../errors.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../migration/search-attributes.js';

/** temporal.api.enums.v1.IndexedValueType values (the wire enum of the operator API). */
const INDEXED_VALUE_TYPE: Partial<Record<SearchAttributeType, number>> = { KEYWORD: 2, DOUBLE: 4 };

export async function missingSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).filter((name) => !(name in (customAttributes ?? {})));
}

/**
 * Registers the attributes a namespace lacks. Without them every migration workflow task
 * would fail ("search attribute ... is not defined") and retry forever.
 */
export async function registerSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const missing = new Set(await missingSearchAttributes(connection, namespace));
  if (missing.size > 0) {
    const keys = SEARCH_ATTRIBUTE_KEYS.filter((key) => missing.has(key.name));
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(keys.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]!])),
    });
  }
  return [...missing];
}

/** Refuses to start workflows that could not record their state: the namespace lacks reembed's attributes. */
export async function assertSearchAttributesRegistered(connection: ConnectionLike, namespace: string, what: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length > 0) {
    throw new ReembedUsageError(
      `Temporal namespace "${namespace}" lacks the search attributes ${missing.join(', ')}, without which ${what}. ` +
        'Register them with `reembed init` (or `temporal operator search-attribute create`).',
    );
  }
}
