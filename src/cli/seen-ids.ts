/** Bits of the filter: 8 MiB, whatever the file's size. */
const BITS = 2 ** 26;
const HASHES = 7;

/**
 * Ids an ingest has read, in fixed memory (a Bloom filter): `add` never answers false for an
 * id that was added before and rarely true for one that was not (about 0.05 % at a million ids,
 * 5 % at ten million). The ingest confirms a "maybe" against what it wrote, so a false
 * positive costs one extra lookup and never a wrong report.
 */
export class SeenIds {
  private readonly bits = new Uint32Array(BITS / 32);

  /** Adds the id; true when it may have been added before. */
  add(id: string): boolean {
    let maybe = true;
    for (const bit of positions(id)) {
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((this.bits[word]! & mask) === 0) maybe = false;
      this.bits[word]! |= mask;
    }
    return maybe;
  }
}

/** Double hashing over two 32-bit FNV-1a variants of the id's UTF-16 code units. */
function positions(id: string): number[] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  h2 |= 1;
  return Array.from({ length: HASHES }, (_, k) => ((h1 + Math.imul(k, h2)) >>> 0) % BITS);
}
