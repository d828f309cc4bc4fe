/**
 * float32 vectors as base64 of their little-endian bytes: how the OpenAI API sends
 * embeddings on request, and how reembed stores adapter weights.
 */
export function float32ToBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/** Null when the bytes are not whole float32 values. */
export function float32FromBase64(base64: string): Float32Array | null {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) return null;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
