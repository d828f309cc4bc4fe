// How reembed reaches Temporal and what it registers there. The definitions live under src/
// so the compiled package carries them; this file is the project's well-known entry point.
export { temporalConnectionOptions, workflowUiUrl } from './src/config/temporal.js';
export { SEARCH_ATTRIBUTE_KEYS, collectionKey, coverageKey, phaseKey, targetModelKey } from './src/migration/search-attributes.js';
