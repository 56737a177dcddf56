import { describe, expect, it } from 'vitest';
import { bm25, termFrequencies } from '../../src/text/bm25.js';
import { stem, termsOf, tokenize } from '../../src/text/tokenize.js';

describe('tokenize', () => {
  it.each([
    ['How do I compile Vulkan shaders?', ['compile', 'vulkan', 'shader']],
    ['see https://example.com/x and <@123> @bob', []],
    ['vertex_buffer in RenderPath.xml', ['vertex', 'buffer', 'vertexbuffer', 'renderpath', 'xml', 'renderpathxml']],
    ['```code block ignored``` physics', ['physic']],
  ])('tokenize(%j)', (text, terms) => {
    expect(tokenize(text)).toEqual(terms);
  });

  it.each([
    ['shaders', 'shader'],
    ['libraries', 'library'],
    ['compiling', 'compil'],
    ['class', 'class'],
    ['bus', 'bus'],
  ])('stem(%s) = %s', (word, stemmed) => {
    expect(stem(word)).toBe(stemmed);
  });

  it('GIVEN repeated words THEN termsOf keeps each once', () => {
    expect(termsOf('shader shader shaders lighting')).toBe('shader light');
  });
});

describe('bm25', () => {
  const stats = {
    docCount: 10,
    avgDocLength: 5,
    docFreq: new Map([
      ['shader', 2],
      ['the', 10],
      ['physic', 5],
    ]),
  };
  it('GIVEN a rare matching term THEN it outweighs a common one', () => {
    const rare = bm25(['shader'], termFrequencies(['shader', 'x', 'y']), 3, stats);
    const common = bm25(['physic'], termFrequencies(['physic', 'x', 'y']), 3, stats);
    expect(rare).toBeGreaterThan(common);
    expect(bm25(['nothing'], termFrequencies(['shader']), 1, stats)).toBe(0);
  });
});
