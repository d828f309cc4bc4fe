import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The search attributes reembed's workflows set, by which the Web UI and `reembed list`
 * filter migrations and canary runs. Names are part of the wire protocol; `reembed init` and
 * `npm run services:up` register them.
 */
export const collectionKey = defineSearchAttributeKey('ReembedCollection', 'KEYWORD');
export const phaseKey = defineSearchAttributeKey('MigrationPhase', 'KEYWORD');
export const targetModelKey = defineSearchAttributeKey('TargetModel', 'KEYWORD');
export const coverageKey = defineSearchAttributeKey('MigrationCoverage', 'DOUBLE');
/** A canary run's outcome (OK, DRIFTED, UNHEALTHY): `ReembedCanaryStatus != 'OK'` lists the failing ones. */
export const canaryStatusKey = defineSearchAttributeKey('ReembedCanaryStatus', 'KEYWORD');

export const SEARCH_ATTRIBUTE_KEYS = [collectionKey, phaseKey, targetModelKey, coverageKey, canaryStatusKey] as const;
