import { z } from 'zod';
import type { ModelSpec } from '../embedding/model-spec.js';
import { collectionNameSchema } from '../registry/collection-record.js';

/**
 * Drift canaries: after a cutover, a collection keeps a canary set (fixed texts and sampled
 * documents with the vectors they had then). A canary check embeds them again with the
 * active spec and compares, and checks that the collection is served as the registry says.
 * Everything the canary workflow, its activity, the client and the CLI exchange is here.
 */

export const CANARY_WORKFLOW_TYPE = 'canaryWorkflow';
export const CANARY_STATUSES = ['OK', 'DRIFTED', 'UNHEALTHY'] as const;
export type CanaryStatus = (typeof CANARY_STATUSES)[number];

/** One Temporal Schedule per collection; its id is part of the interface (the Web UI lists it). */
export const canaryScheduleId = (collection: string) => `reembed-canary:${collection}`;

/** A canary run started by hand (`reembed canary run`), distinct from the schedule's runs. */
export const canaryRunId = (collection: string, startedAtMs: number) => `reembed-canary-run:${collection}:${startedAtMs}`;

export const canaryInputSchema = z.object({
  collection: collectionNameSchema,
  /** Overrides the active spec's threshold (canaryThreshold) for this check. */
  minCosine: z.number().min(0).max(1).optional(),
  /** A fall in the active index's document count larger than this share since the last check is unhealthy. */
  maxDocumentDrop: z.number().min(0).max(1).default(0.1),
});
export type CanaryInput = z.input<typeof canaryInputSchema>;
export type CanaryCheckInput = z.output<typeof canaryInputSchema>;

/**
 * Local models run the same weights through the same runtime: a fresh vector equals the
 * stored one up to float rounding. An API's vectors wander slightly between calls (GPU
 * batching, numerics), so its default leaves room for that and nothing more.
 */
export function canaryThreshold(spec: Pick<ModelSpec, 'provider' | 'canaryMinCosine'>): number {
  return spec.canaryMinCosine ?? (spec.provider === 'transformers' ? 0.9999 : 0.99);
}

export interface CanaryComparison {
  readonly id: string;
  readonly source: 'fixed' | 'document';
  readonly cosine: number;
}

export interface CanaryDrift {
  readonly threshold: number;
  readonly compared: number;
  readonly minCosine: number;
  readonly meanCosine: number;
  /** The canaries below the threshold, lowest first (at most 10). */
  readonly drifted: readonly CanaryComparison[];
  readonly driftedCount: number;
  /** The spec's fingerprint when the canaries were captured, and now: a changed spec file is drift too. */
  readonly capturedFingerprint: string;
  readonly fingerprint: string;
  readonly capturedAt: string;
}

export interface CollectionHealth {
  readonly activeIndex: string;
  readonly aliasTargets: readonly string[];
  readonly indexExists: boolean;
  readonly documents: number | null;
  readonly previousDocuments: number | null;
  readonly mappingDims: number | null;
  readonly specDims: number;
  readonly problems: readonly string[];
}

export interface CanaryResult {
  readonly collection: string;
  readonly status: CanaryStatus;
  readonly checkedAt: string;
  readonly activeSpecId: string;
  /** Null when this check captured the canary set (nothing stored to compare with yet). */
  readonly drift: CanaryDrift | null;
  /** True when no canary set existed for the active index and this check took one. */
  readonly captured: boolean;
  readonly health: CollectionHealth;
  readonly summary: string;
}

const MAX_LISTED = 10;

export function driftReport(
  comparisons: readonly CanaryComparison[],
  threshold: number,
  fingerprints: { readonly captured: string; readonly now: string; readonly capturedAt: string },
): CanaryDrift {
  const below = comparisons.filter((c) => c.cosine < threshold).sort((a, b) => a.cosine - b.cosine);
  const cosines = comparisons.map((c) => c.cosine);
  return {
    threshold,
    compared: comparisons.length,
    minCosine: cosines.length > 0 ? Math.min(...cosines) : 1,
    meanCosine: cosines.length > 0 ? cosines.reduce((s, c) => s + c, 0) / cosines.length : 1,
    drifted: below.slice(0, MAX_LISTED),
    driftedCount: below.length,
    capturedFingerprint: fingerprints.captured,
    fingerprint: fingerprints.now,
    capturedAt: fingerprints.capturedAt,
  };
}

export const isDrifted = (drift: CanaryDrift | null) => drift !== null && (drift.driftedCount > 0 || drift.capturedFingerprint !== drift.fingerprint);

/** What is wrong with how the collection is served, in words an operator acts on. */
export function healthProblems(h: Omit<CollectionHealth, 'problems'>, maxDocumentDrop: number): string[] {
  const problems: string[] = [];
  if (!(h.aliasTargets.length === 1 && h.aliasTargets[0] === h.activeIndex)) {
    problems.push(
      h.aliasTargets.length === 0
        ? `the alias serves no index; the registry's active index is ${h.activeIndex}`
        : `the alias serves [${h.aliasTargets.join(', ')}], the registry's active index is ${h.activeIndex} (moved by hand?)`,
    );
  }
  if (!h.indexExists) problems.push(`the active index ${h.activeIndex} does not exist`);
  if (h.mappingDims !== null && h.mappingDims !== h.specDims) {
    problems.push(`the active index maps vectors of ${h.mappingDims} dimensions, the active spec embeds ${h.specDims}`);
  }
  if (h.indexExists && h.mappingDims === null) problems.push(`the active index ${h.activeIndex} has no dense_vector field "vector"`);
  if (h.documents !== null && h.previousDocuments !== null && h.documents < h.previousDocuments * (1 - maxDocumentDrop)) {
    const drop = (1 - h.documents / h.previousDocuments) * 100;
    problems.push(`the active index holds ${h.documents} documents, ${drop.toFixed(1)}% fewer than the ${h.previousDocuments} at the last check`);
  }
  return problems;
}

/** Unhealthy outranks drifted: a collection served from the wrong index makes drift figures meaningless. */
export function canaryVerdict(drift: CanaryDrift | null, health: CollectionHealth): { status: CanaryStatus; summary: string } {
  if (health.problems.length > 0) return { status: 'UNHEALTHY', summary: health.problems.join('; ') };
  if (drift && isDrifted(drift)) {
    const parts: string[] = [];
    if (drift.capturedFingerprint !== drift.fingerprint) {
      parts.push(`the spec's fingerprint changed since the canaries were captured (${drift.capturedFingerprint} → ${drift.fingerprint})`);
    }
    if (drift.driftedCount > 0) {
      parts.push(`${drift.driftedCount} of ${drift.compared} canaries moved below cosine ${drift.threshold} (lowest ${drift.minCosine.toFixed(4)})`);
    }
    return { status: 'DRIFTED', summary: parts.join('; ') };
  }
  if (!drift) return { status: 'OK', summary: `canary set captured now; ${health.documents ?? 0} documents served from ${health.activeIndex}` };
  return {
    status: 'OK',
    summary: `${drift.compared} canaries within cosine ${drift.threshold} (lowest ${drift.minCosine.toFixed(6)}); ${health.documents ?? 0} documents served from ${health.activeIndex}`,
  };
}

/** The result a canary run reports when it could not even look (Elasticsearch down, no record). */
export function unreachableResult(collection: string, checkedAt: string, reason: string): CanaryResult {
  const summary = `the check could not run: ${reason}`;
  return {
    collection,
    status: 'UNHEALTHY',
    checkedAt,
    activeSpecId: '',
    drift: null,
    captured: false,
    health: {
      activeIndex: '',
      aliasTargets: [],
      indexExists: false,
      documents: null,
      previousDocuments: null,
      mappingDims: null,
      specDims: 0,
      problems: [summary],
    },
    summary,
  };
}

/** The Web UI's current details of a canary run. */
export function canaryMarkdown(result: CanaryResult): string {
  const lines = [`## Canary of ${result.collection}: ${result.status}`, '', result.summary, ''];
  if (result.drift) {
    const d = result.drift;
    lines.push(
      `Compared ${d.compared} canaries captured ${d.capturedAt}: min cosine ${d.minCosine.toFixed(6)}, mean ${d.meanCosine.toFixed(6)}, threshold ${d.threshold}.`,
    );
    for (const c of d.drifted) lines.push(`- ${c.source} \`${c.id}\`: cosine ${c.cosine.toFixed(4)}`);
  }
  for (const p of result.health.problems) lines.push(`- ${p}`);
  return lines.join('\n');
}
