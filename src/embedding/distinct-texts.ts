/**
 * Each distinct text once, in first-seen order, and for every input the position of its text
 * among them: documents with the same text share one embedding input (and one bill).
 */
export function distinctTexts(inputs: readonly string[]): { texts: string[]; inputOf: number[] } {
  const position = new Map<string, number>();
  const texts: string[] = [];
  const inputOf = inputs.map((text) => {
    let at = position.get(text);
    if (at === undefined) {
      at = texts.length;
      position.set(text, at);
      texts.push(text);
    }
    return at;
  });
  return { texts, inputOf };
}
