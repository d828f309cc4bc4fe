/** A document as its owner stores it: the text a vector is made from, plus metadata. */
export interface SourceDocument {
  readonly id: string;
  readonly text: string;
  readonly metadata: Record<string, string | number>;
}
