import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The search attributes the migration workflow sets, by which the Web UI and `reembed list`
 * filter migrations. Names are part of the wire protocol; `reembed init` and
 * `npm run services:up` register them.
 */
export const collectionKey = defineSearchAttributeKey('ReembedCollection', 'KEYWORD');
export const phaseKey = defineSearchAttributeKey('MigrationPhase', 'KEYWORD');
export const targetModelKey = defineSearchAttributeKey('TargetModel', 'KEYWORD');
export const coverageKey = defineSearchAttributeKey('MigrationCoverage', 'DOUBLE');

export const SEARCH_ATTRIBUTE_KEYS = [collectionKey, phaseKey, targetModelKey, coverageKey] as const;
