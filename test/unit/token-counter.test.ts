import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openAITokenCounter } from '../../src/embedding/token-counter.js';

describe('the OpenAI token counter (cl100k_base)', () => {
  const counter = openAITokenCounter();

  it('counts as the API bills', () => {
    // Known cl100k_base encodings: "hello world" → [15339, 1917]; "tiktoken is great!" → 6 tokens.
    assert.equal(counter.count('hello world'), 2);
    assert.equal(counter.count('tiktoken is great!'), 6);
  });

  it('counts text that spells a special token as ordinary text instead of throwing', () => {
    assert.ok(counter.count('a document mentioning <|endoftext|> in its body') > 8);
  });

  it('cuts at the end, to the token limit', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const cut = counter.truncate(text, 5);
    assert.equal(counter.count(cut), 5);
    assert.ok(text.startsWith(cut));
    assert.equal(counter.truncate('short', 5), 'short');
  });
});
