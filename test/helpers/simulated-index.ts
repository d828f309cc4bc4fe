import type { WriteCondition } from '../../src/migration/write-ordering.js';

/** A document as a real-time get returns it. */
export interface SimulatedDocument {
  readonly id: string;
  readonly sourceHash: string;
  /** `_version`: an external version, or a count of internal writes. */
  readonly revision: number;
  readonly position: { readonly seqNo: number; readonly primaryTerm: number };
}

/**
 * One Elasticsearch index as far as write ordering goes: per document the `_version`,
 * `_seq_no` and `_primary_term`; deletes leave a tombstone with their version (kept longer than
 * any run here, like `gc_deletes`); real-time gets see every write, searches only what the last
 * refresh saw. Conditions follow Elasticsearch: an external version must be above the stored
 * one (a tombstone's included), `if_seq_no` must match, a create needs no live document, and
 * an internal write counts on from whatever version is stored, a tombstone's included.
 */
export class SimulatedIndex {
  private readonly docs = new Map<string, SimulatedDocument>();
  private readonly tombstones = new Map<string, number>();
  private searchable = new Map<string, SimulatedDocument>();
  private seqNo = 0;

  constructor(private readonly onApplied: (id: string, before: SimulatedDocument | undefined, after: SimulatedDocument | undefined) => void = () => {}) {}

  get(id: string): SimulatedDocument | undefined {
    return this.docs.get(id);
  }

  getMany(ids: readonly string[]): Map<string, SimulatedDocument> {
    return new Map(ids.flatMap((id) => (this.docs.has(id) ? [[id, this.docs.get(id)!] as const] : [])));
  }

  refresh(): void {
    this.searchable = new Map(this.docs);
  }

  /** The next `size` documents after `afterId` in id order, as the last refresh saw them. */
  scan(afterId: string | null, size: number): SimulatedDocument[] {
    return [...this.searchable.values()]
      .filter((d) => afterId === null || d.id > afterId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, size);
  }

  /** Every live document's text hash, by id. */
  contents(): Map<string, string> {
    return new Map([...this.docs.values()].map((d) => [d.id, d.sourceHash]));
  }

  /** Applies one bulk item; 'conflict' is Elasticsearch's 409. */
  write(action: 'index' | 'delete', id: string, condition: WriteCondition, sourceHash?: string): 'applied' | 'conflict' {
    const current = this.docs.get(id);
    const stored = current?.revision ?? this.tombstones.get(id);
    let revision: number;
    switch (condition.kind) {
      case 'external':
        if (stored !== undefined && condition.version <= stored) return 'conflict';
        revision = condition.version;
        break;
      case 'ifSeqNo':
        if (!current || current.position.seqNo !== condition.seqNo || current.position.primaryTerm !== condition.primaryTerm) return 'conflict';
        revision = current.revision + 1;
        break;
      case 'ifAbsent':
        if (current) return 'conflict';
        revision = (stored ?? 0) + 1;
        break;
      case 'unconditional':
        revision = (stored ?? 0) + 1;
        break;
    }
    let after: SimulatedDocument | undefined;
    if (action === 'index') {
      after = { id, sourceHash: sourceHash!, revision, position: { seqNo: ++this.seqNo, primaryTerm: 1 } };
      this.docs.set(id, after);
      this.tombstones.delete(id);
    } else {
      this.docs.delete(id);
      this.tombstones.set(id, revision);
      this.seqNo++;
    }
    this.onApplied(id, current, after);
    return 'applied';
  }
}
