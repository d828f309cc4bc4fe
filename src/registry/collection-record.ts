import { z } from 'zod';
import { phaseSchema } from '../migration/phases.js';

export type { MigrationPhase } from '../migration/phases.js';

export const collectionNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,60}$/, 'a collection name is 1–61 lowercase letters, digits, - or _ (it names indexes and the alias)')
  .refine((name) => !name.includes('__'), 'a collection name must not contain "__" (it separates parts of index names)');

export const writeTargetSchema = z.object({ index: z.string(), specId: z.string() });
export type WriteTarget = z.infer<typeof writeTargetSchema>;

export const historyEventSchema = z.object({
  at: z.string(),
  event: z.string(),
  detail: z.record(z.string(), z.unknown()).default({}),
});

/** One collection's state in the registry index; every writer and router reads it. */
export const collectionRecordSchema = z.object({
  collection: collectionNameSchema,
  alias: z.string(),
  storeContent: z.boolean(),
  activeSpecId: z.string(),
  activeIndex: z.string(),
  writeTargets: z.array(writeTargetSchema).min(1),
  migration: z
    .object({
      workflowId: z.string(),
      sourceSpecId: z.string(),
      sourceIndex: z.string(),
      targetSpecId: z.string(),
      targetIndex: z.string(),
      phase: phaseSchema,
      /** Share of source documents already in the target (or quarantined); routes searches. */
      coverage: z.number().min(0).max(1).default(0),
      startedAt: z.string(),
    })
    .nullable(),
  history: z.array(historyEventSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CollectionRecord = z.infer<typeof collectionRecordSchema>;
export type HistoryEvent = z.infer<typeof historyEventSchema>;
