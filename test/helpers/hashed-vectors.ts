/**
 * A unit vector drawn from a PRNG seeded by a hash of `key`: the same key gives the same
 * vector everywhere, at no model's cost. Benchmarks use it to measure the pipeline (reads,
 * HTTP, bulk writes, orchestration) with the embedding model taken out.
 */
function hashedVector(key: string, dimensions: number): Float32Array {
  let state = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) state = Math.imul(state ^ key.charCodeAt(i), 0x01000193);
  state = state >>> 0 || 1;
  const vector = new Float32Array(dimensions);
  let sumSquares = 0;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const x = state / 2 ** 31 - 1;
    vector[i] = x;
    sumSquares += x * x;
  }
  const norm = Math.sqrt(sumSquares);
  for (let i = 0; i < dimensions; i++) vector[i]! /= norm;
  return vector;
}

/** The vector the hashed-vector server returns for `text` embedded by `model`. */
export function hashedEmbedding(model: string, text: string, dimensions: number): Float32Array {
  return hashedVector(`${model}\n${text}`, dimensions);
}
