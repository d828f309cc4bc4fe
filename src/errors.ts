import type { LostShards } from './store/index-availability.js';
/** The caller asked for something invalid (arguments, payload, state): the message says what to do instead. */
export class ReembedUsageError extends Error {
  override readonly name = 'ReembedUsageError';
}

/**
 * The migration refused an operator action (wrong phase, an acknowledgement missing, an
 * approver not allowed, an invalid payload): nothing changed, and `reason` says why.
 */
export class ActionRefusedError extends Error {
  override readonly name = 'ActionRefusedError';
  constructor(
    readonly action: string,
    readonly collection: string,
    readonly reason: string,
  ) {
    super(`${action} refused by the migration of "${collection}": ${reason}`);
  }
}

/** A feature needs an optional peer dependency of reembed that is not installed; the message says what to install. */
export class MissingDependencyError extends Error {
  static readonly type = 'MissingDependencyError';
  override readonly name = MissingDependencyError.type;
}

/** No worker took an operator action in time: it was not applied, and may still be once a worker runs. */
export class ActionNotAnsweredError extends Error {
  override readonly name = 'ActionNotAnsweredError';
}

/**
 * Errors that no retry can fix. Each names itself as its Temporal failure type (`type`),
 * so activities fail fast on them instead of retrying for minutes; the migration contract
 * lists them as non-retryable.
 */

export class UnknownSpecError extends Error {
  static readonly type = 'UnknownSpecError';
  override readonly name = UnknownSpecError.type;
  constructor(id: string, known: readonly string[], source: string) {
    super(`Unknown model spec "${id}". Known specs in ${source}: ${known.join(', ')}. Add the spec to that file (and restart the worker) or pick a known one.`);
  }
}

export class CollectionNotFoundError extends Error {
  static readonly type = 'CollectionNotFoundError';
  override readonly name = CollectionNotFoundError.type;
  constructor(collection: string) {
    super(`Collection "${collection}" does not exist. Create it with \`reembed ingest ${collection} --spec <specId> --file <docs.jsonl>\`.`);
  }
}

/** The embedding provider refuses our configuration (API key, model name): fix it, restart the worker, resume. */
export class ProviderConfigError extends Error {
  static readonly type = 'ProviderConfigError';
  override readonly name = ProviderConfigError.type;
}

/**
 * Primary shards of an index a migration reads or writes are unassigned (the index is red):
 * their node died or left. Searches would return partial results and writes to them wait and
 * fail, so nothing is read or written until they are back. Bring the node back, then resume.
 */
export class IndexUnavailableError extends Error {
  static readonly type = 'IndexUnavailableError';
  override readonly name = IndexUnavailableError.type;
  constructor(readonly lost: readonly LostShards[]) {
    super(
      `Elasticsearch has lost primary shards: ${lost.map((l) => `${l.index} shard(s) ${l.shards.join(', ')}`).join('; ')} (the index is red, ` +
        `so reading it would miss documents and writing it would fail). Bring back the node that held them — ` +
        '`npm run services:up -- cluster` starts whichever local node is down — and wait until the index is yellow or green. ' +
        "If the node is gone for good, resume anyway: the new index's lost shards are rebuilt empty and their documents copied again from the old index (a lost shard of the old index cannot be rebuilt: restore it from a snapshot).",
    );
  }
}

/**
 * Elasticsearch refuses writes to an index because of a block — the flood-stage disk
 * watermark's `read_only_allow_delete`, or a write/read-only block someone set: free disk or
 * lift the block, then resume. No retry helps until then.
 */
export class IndexBlockedError extends Error {
  static readonly type = 'IndexBlockedError';
  override readonly name = IndexBlockedError.type;
  constructor(
    readonly index: string,
    reason: string,
  ) {
    super(
      `Elasticsearch refuses writes to ${index}: ${reason}. If the disk passed the flood-stage watermark, free disk space ` +
        `(Elasticsearch lifts its read_only_allow_delete block itself once usage falls below the high watermark); a block set by hand ` +
        `is lifted with PUT ${index}/_settings {"index.blocks.write": null, "index.blocks.read_only": null, "index.blocks.read_only_allow_delete": null}.`,
    );
  }
}

/** A registry record that does not parse: written by an incompatible version or by hand. */
export class InvalidRegistryRecordError extends Error {
  static readonly type = 'InvalidRegistryRecordError';
  override readonly name = InvalidRegistryRecordError.type;
}
