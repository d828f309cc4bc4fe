import type { Similarity } from '../embedding/model-spec.js';
import { dot, norm } from '../embedding/vector-math.js';

interface Scored {
  readonly id: string;
  readonly score: number;
}

/** Higher is closer, in the order Elasticsearch ranks by for each similarity. */
function scorer(similarity: Similarity): (query: ArrayLike<number>, queryNorm: number, doc: ArrayLike<number>) => number {
  switch (similarity) {
    case 'cosine':
      return (q, qn, d) => dot(q, d) / (qn * norm(d) || 1);
    case 'l2_norm':
      return (q, _qn, d) => {
        let sum = 0;
        for (let i = 0; i < q.length; i++) sum += (q[i]! - d[i]!) ** 2;
        return -sum;
      };
    default:
      return (q, _qn, d) => dot(q, d);
  }
}

/**
 * Exact (brute-force) top-k of several queries over vectors streamed in once, in bounded
 * memory: the ground truth that the ANN recall of a kNN index is measured against.
 */
export class ExactTopK {
  private readonly best: Scored[][];
  private readonly norms: number[];
  private readonly score: ReturnType<typeof scorer>;

  constructor(
    private readonly queries: readonly ArrayLike<number>[],
    private readonly k: number,
    similarity: Similarity,
  ) {
    this.best = queries.map(() => []);
    this.norms = queries.map(norm);
    this.score = scorer(similarity);
  }

  add(id: string, vector: ArrayLike<number>): void {
    this.queries.forEach((query, i) => {
      const top = this.best[i]!;
      const score = this.score(query, this.norms[i]!, vector);
      if (top.length === this.k && score <= top[top.length - 1]!.score) return;
      const at = top.findIndex((s) => score > s.score);
      top.splice(at === -1 ? top.length : at, 0, { id, score });
      if (top.length > this.k) top.pop();
    });
  }

  /** The ids of query i's exact top k, closest first. */
  topIds(i: number): string[] {
    return this.best[i]!.map((s) => s.id);
  }
}
