import { defineSearchAttributeKey } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../../temporal.config';

/** Typed keys for the attributes the Web UI and `reembed list` filter migrations by. */
export const collectionKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.collection, 'KEYWORD');
export const phaseKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.phase, 'KEYWORD');
export const targetModelKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.targetModel, 'KEYWORD');
export const coverageKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.coverage, 'DOUBLE');
