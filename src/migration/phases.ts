import { z } from 'zod';

/** The phases of a migration, in order, then its ends. */
export const ACTIVE_PHASES = ['PREPARING', 'BACKFILLING', 'CATCHING_UP', 'VERIFYING', 'AWAITING_APPROVAL', 'GRACE_PERIOD', 'CUTOVER', 'RETENTION'] as const;
export const END_PHASES = ['COMPLETED', 'REJECTED', 'ROLLED_BACK', 'FAILED'] as const;
export const phaseSchema = z.enum([...ACTIVE_PHASES, ...END_PHASES]);
export type MigrationPhase = z.infer<typeof phaseSchema>;

const phases = (...list: MigrationPhase[]): ReadonlySet<MigrationPhase> => new Set(list);

/**
 * Before the alias moves: the old index still serves, searches may be routed across both
 * indexes, and ending the migration leaves everything as it was.
 */
export const BEFORE_CUTOVER = phases('PREPARING', 'BACKFILLING', 'CATCHING_UP', 'VERIFYING', 'AWAITING_APPROVAL', 'GRACE_PERIOD');
/** Phases that embed documents; a pause takes effect between their batches. */
export const PAUSABLE = phases('BACKFILLING', 'CATCHING_UP');
/** The workflow works on its own (nobody needs to act); `reembed status` keeps redrawing. */
export const WORKING = phases('PREPARING', 'BACKFILLING', 'CATCHING_UP', 'VERIFYING');
