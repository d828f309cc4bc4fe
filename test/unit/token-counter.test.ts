import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openAITokenCounter, tokenUpperBound } from '../../src/embedding/token-counter.js';

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

  it('never counts more tokens than tokenUpperBound (the UTF-8 length), which the OpenAI provider uses instead of counting', () => {
    const texts = [
      'hello world',
      '   \n\n\t  spaces and newlines   ',
      'Élan vital — naïve café, Zürich, Łódź',
      '東京都の人口は約1400万人です。北京、서울',
      '👩‍👩‍👧‍👦 emoji 🇦🇺 with joiners and flags 🏳️‍🌈',
      'a document mentioning <|endoftext|> and <|fim_prefix|> in its body',
      '1234567890'.repeat(50),
      String.fromCharCode(...Array.from({ length: 500 }, (_, i) => 32 + ((i * 7919) % 65000))),
    ];
    for (const text of texts) {
      assert.ok(counter.count(text) <= tokenUpperBound(text), `${counter.count(text)} tokens > ${tokenUpperBound(text)} bytes: ${text.slice(0, 30)}`);
    }
  });
});
