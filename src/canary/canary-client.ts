import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, TimeoutFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import {
  CANARY_WORKFLOW_TYPE,
  canaryInputSchema,
  canaryRunId,
  canaryScheduleId,
  type CanaryCheckInput,
  type CanaryResult,
  type CanaryStatus,
} from './canary.js';
import { collectionKey } from '../migration/search-attributes.js';
import type { Services } from '../services.js';
import { parseOrExplain } from '../client/parse-or-explain.js';
import { assertSearchAttributesRegistered } from '../client/search-attributes.js';

/** Shorter intervals would spend more on embedding canaries than the check is worth; Temporal rounds to seconds anyway. */
const MIN_INTERVAL_MS = 10_000;
/** A check takes seconds; one still unfinished after this has no worker or a stuck provider. */
const RUN_TIMEOUT = '10 minutes';

export const canaryScheduleOptionsSchema = canaryInputSchema.omit({ collection: true }).extend({
  everyMs: z.int().min(MIN_INTERVAL_MS, `a canary interval is at least ${MIN_INTERVAL_MS / 1000}s`),
});
export type CanaryScheduleOptions = z.input<typeof canaryScheduleOptionsSchema>;
export type CanaryRunOptions = Omit<z.input<typeof canaryInputSchema>, 'collection'>;

export interface CanaryScheduleView {
  readonly scheduleId: string;
  readonly everyMs: number;
  readonly paused: boolean;
  readonly nextRunAt: string | null;
  readonly lastRunAt: string | null;
  readonly runs: number;
}

export interface CanaryReport {
  readonly collection: string;
  readonly schedule: CanaryScheduleView | null;
  readonly latest: CanaryResult | null;
  readonly recent: ReadonlyArray<{ checkedAt: string; status: CanaryStatus; summary: string }>;
}

/**
 * Drift canaries of collections: a Temporal Schedule per collection runs the canary
 * workflow; a run can also be started by hand; results are read from reembed's canary index.
 */
export class CanaryClient {
  constructor(
    private readonly services: Services,
    private readonly temporal: Client,
  ) {}

  /** Creates the collection's schedule, or changes its interval and options when it exists. */
  async schedule(collection: string, options: CanaryScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
    const { everyMs, ...rest } = parseOrExplain(canaryScheduleOptionsSchema, options, 'canary schedule');
    const input = await this.checkInput(collection, rest);
    const scheduleId = canaryScheduleId(collection);
    const action = {
      type: 'startWorkflow' as const,
      workflowType: CANARY_WORKFLOW_TYPE,
      workflowId: scheduleId,
      taskQueue: this.services.config.temporal.taskQueue,
      args: [input],
      typedSearchAttributes: [{ key: collectionKey, value: collection }],
      workflowExecutionTimeout: RUN_TIMEOUT,
    };
    const spec = { intervals: [{ every: everyMs }] };
    try {
      await this.temporal.schedule.create({
        scheduleId,
        spec,
        action,
        // A check still running when the next is due (a slow API) is not doubled up.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
        state: { note: `drift canary of ${collection}, created by reembed` },
      });
      return { scheduleId, created: true };
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
    await this.temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    return { scheduleId, created: false };
  }

  /** Deletes the collection's schedule; false when there was none. */
  async unschedule(collection: string): Promise<boolean> {
    try {
      await this.temporal.schedule.getHandle(canaryScheduleId(collection)).delete();
      return true;
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return false;
      throw error;
    }
  }

  /** Runs one canary check now, through a worker, and returns its result. */
  async run(collection: string, options: CanaryRunOptions = {}): Promise<CanaryResult> {
    const input = await this.checkInput(collection, options);
    const { taskQueue } = this.services.config.temporal;
    try {
      return (await this.temporal.workflow.execute(CANARY_WORKFLOW_TYPE, {
        workflowId: canaryRunId(collection, Date.now()),
        taskQueue,
        args: [input],
        typedSearchAttributes: [{ key: collectionKey, value: collection }],
        workflowExecutionTimeout: RUN_TIMEOUT,
      })) as CanaryResult;
    } catch (error) {
      if (error instanceof WorkflowFailedError && error.cause instanceof TimeoutFailure) {
        throw new Error(
          `The canary check of "${collection}" did not finish within ${RUN_TIMEOUT}: is a worker polling task queue ${taskQueue}? Start one with \`npm run worker\`.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** The schedule (if any), the latest result and the recent ones, newest first. */
  async status(collection: string): Promise<CanaryReport> {
    await this.services.registry.get(collection);
    const [schedule, history] = await Promise.all([this.describeSchedule(collection), this.services.canaries.history(collection)]);
    return { collection, schedule, latest: history?.latest ?? null, recent: history?.recent ?? [] };
  }

  private async describeSchedule(collection: string): Promise<CanaryScheduleView | null> {
    const scheduleId = canaryScheduleId(collection);
    try {
      const d = await this.temporal.schedule.getHandle(scheduleId).describe();
      const last = d.info.recentActions.at(-1);
      return {
        scheduleId,
        everyMs: d.spec.intervals?.[0]?.every ?? 0,
        paused: d.state.paused,
        nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
        lastRunAt: last ? last.takenAt.toISOString() : null,
        runs: d.info.numActionsTaken,
      };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return null;
      throw error;
    }
  }

  private async checkInput(collection: string, options: CanaryRunOptions): Promise<CanaryCheckInput> {
    const input = parseOrExplain(canaryInputSchema, { ...options, collection }, 'canary options');
    await this.services.registry.get(collection);
    const { config } = this.services;
    await assertSearchAttributesRegistered(this.temporal.connection, config.temporal.namespace, 'canary runs cannot record their status');
    return input;
  }
}
