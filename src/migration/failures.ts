import {
  CollectionNotFoundError,
  IndexBlockedError,
  IndexUnavailableError,
  InvalidRegistryRecordError,
  MissingDependencyError,
  ProviderConfigError,
  UnknownSpecError,
} from '../errors.js';
import { ACTION_REFUSED } from './messages.js';
import type { PausedBy } from './status.js';

/**
 * Every way a migration or a command can fail that reembed names itself: one place that says
 * how Temporal sees it, what the workflow does about it, how the CLI exits and what to do next.
 */
export interface FailureKind {
  /** The Temporal failure type: an ApplicationFailure's type, or the error class's name. */
  readonly type: string;
  /** The error class that carries it inside a process, when that name differs from `type`. */
  readonly className?: string;
  /** False: activities fail at once instead of retrying for minutes. */
  readonly retryable: boolean;
  /**
   * What the migration workflow does when an activity fails with it: fail the migration, pause it
   * until someone fixes the cause and resumes, or (an operator action) refuse and change nothing.
   */
  readonly reaction: 'fail' | 'refuse' | { readonly pause: Exclude<PausedBy, 'operator'> };
  /** The CLI's exit code when a command meets it: 2 the request cannot work as asked, 3 the migration refused, 1 otherwise. */
  readonly exitCode: 1 | 2 | 3;
  /** What to do next, in one sentence. */
  readonly hint: string;
}

const fails = (type: string, exitCode: 1 | 2, hint: string): FailureKind => ({ type, retryable: false, reaction: 'fail', exitCode, hint });

export const FAILURES = {
  migrationInProgress: fails('MigrationInProgress', 1, 'Approve, reject or roll back the running migration before starting another.'),
  noSourceText: fails('NoSourceText', 1, 'Re-ingest the documents with their text, or migrate to a spec an adapter can reach.'),
  sameVectorSpace: fails('SameVectorSpace', 1, 'Pick a target spec with another model, prefix, pooling or dimension.'),
  invalidModelSpec: fails('InvalidModelSpec', 1, 'Fix the spec (model files, dimension, provider settings), restart the worker and migrate again.'),
  insufficientDisk: fails('InsufficientDisk', 1, 'Free disk space or add a node, or start with force (reembed migrate --force) to go ahead anyway.'),
  aliasMoved: fails('AliasMoved', 1, 'Point the alias back at the index expected, then retry.'),
  activeIndexProtected: fails('ActiveIndexProtected', 1, 'Nothing was deleted: the active index is never removed.'),
  invalidInput: fails('InvalidInput', 2, 'Correct the migration input as the message says.'),
  migrationFailed: fails('MigrationFailed', 1, 'Read the cause in the message, fix it and start the migration again.'),
  unknownSpec: fails(UnknownSpecError.type, 2, 'Add the spec to the spec file and restart the worker, or pick a known one (`reembed models`).'),
  collectionNotFound: fails(CollectionNotFoundError.type, 2, 'Create the collection with `reembed ingest <collection> --spec <specId> --file <docs.jsonl>`.'),
  invalidRegistryRecord: fails(
    InvalidRegistryRecordError.type,
    1,
    'The registry record was written by an incompatible version or by hand: restore it from a snapshot.',
  ),
  usage: fails('ReembedUsageError', 2, 'Run the command with --help for its options.'),
  missingDependency: {
    type: MissingDependencyError.type,
    retryable: false,
    // A worker without the runtime a spec needs: install it, restart the worker, resume.
    reaction: { pause: 'provider' },
    exitCode: 2,
    hint: 'Install the optional dependency the message names with the npm install it gives (on a worker: then restart it and resume).',
  },
  config: fails('ConfigError', 2, 'Fix the environment variable the message names (docs/configuration.md).'),
  providerConfig: {
    type: ProviderConfigError.type,
    retryable: false,
    reaction: { pause: 'provider' },
    exitCode: 1,
    hint: 'Fix the API key or model name, restart the worker, then `reembed resume <collection>`.',
  },
  indexUnavailable: {
    type: IndexUnavailableError.type,
    retryable: false,
    reaction: { pause: 'elasticsearch' },
    exitCode: 1,
    hint: 'Bring the Elasticsearch node back (GET _cluster/health?level=indices shows which indexes are red), then `reembed resume <collection>`.',
  },
  indexBlocked: {
    type: IndexBlockedError.type,
    retryable: false,
    reaction: { pause: 'elasticsearch' },
    exitCode: 1,
    hint: 'Free disk or lift the index block, then `reembed resume <collection>`.',
  },
  actionRefused: {
    type: ACTION_REFUSED,
    className: 'ActionRefusedError',
    retryable: false,
    reaction: 'refuse',
    exitCode: 3,
    hint: 'Nothing changed: act in the phase the reason names, or add what it asks for (an acknowledgement, an allowed approver).',
  },
} as const satisfies Record<string, FailureKind>;

const KINDS: readonly FailureKind[] = Object.values(FAILURES);

/** The kind a failure type or an error class name stands for; undefined for failures reembed does not name. */
export function failureKind(typeOrName: string | undefined): FailureKind | undefined {
  return KINDS.find((kind) => kind.type === typeOrName || kind.className === typeOrName);
}

/** Listed in every activity's retry policy, so an error class thrown as-is fails at once too. */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = KINDS.filter((kind) => !kind.retryable).map((kind) => kind.type);
