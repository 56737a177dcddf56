import { describe, expect, it } from 'vitest';
import { bm25, termFrequencies } from '../../src/text/bm25.js';
import { guessLanguage } from '../../src/text/stopWords.js';
import { formsOf, splitTerms, stem, storedTermsOf, termsOf, tokenize } from '../../src/text/tokenize.js';

describe('tokenize', () => {
  it.each([
    ['How do I compile Vulkan shaders?', ['compil', 'vulkan', 'shader']],
    ['see https://example.com/x and <@123> @bob :slight_smile: <:party:123456>', []],
    ['vertex_buffer in RenderPath.xml', ['vertex', 'buffer', 'vertexbuff', 'renderpath', 'xml', 'renderpathxml']],
    ['```code block ignored``` physics', ['physic']],
  ])('tokenize(%j)', (text, terms) => {
    expect(tokenize(text)).toEqual(terms);
  });

  it.each([
    ['shaders', 'shader'],
    ['libraries', 'librari'],
    ['asking', 'ask'],
    ['ask', 'ask'],
    ['logging', 'log'],
    ['logs', 'log'],
    ['class', 'class'],
    ['urho3d', 'urho3d'],
  ])('stem(%s) = %s (Snowball English)', (word, stemmed) => {
    expect(stem(word)).toBe(stemmed);
  });

  it('GIVEN repeated words THEN termsOf keeps each stem once', () => {
    expect(termsOf('shader shader shaders lighting')).toBe('shader light');
  });

  it('GIVEN words written in other forms THEN the store keeps the first form beside the stem, and reads both back', () => {
    const stored = storedTermsOf('Shaders are broken in OpenGL. Rendering with Vulkan shaders fails');
    expect(stored).toBe('shader=shaders broken opengl=OpenGL render=rendering vulkan=Vulkan fail=fails');
    expect(splitTerms(stored)).toEqual(['shader', 'broken', 'opengl', 'render', 'vulkan', 'fail']);
    expect(formsOf(stored).get('render')).toBe('rendering');
    expect(formsOf(stored).get('broken')).toBe('broken');
  });

  it('GIVEN a column written before forms were kept (bare stems of the old stemmer) THEN it records no form', () => {
    expect(formsOf('advocat logg postgre').size).toBe(0);
    expect(splitTerms('advocat logg postgre')).toEqual(['advocat', 'logg', 'postgre']);
  });

  it.each([
    [
      'Die Größe der Häuser ist falsch und das Rendering auch',
      'de',
      'gross=Größe haus=Häuser falsch rendering=Rendering',
    ],
    ['le rendu des textures ne marche pas avec la carte', 'fr', 'rendu textur=textures march=marche cart=carte'],
    ['el servidor no funciona con la base de datos', 'es', 'servidor funcion=funciona bas=base dat=datos'],
    ['я не могу запустить сервер', 'ru', 'запуст=запустить сервер'],
  ])(
    'GIVEN text in another language (%j) THEN it is read as %s: its stop words go and its own stemmer runs',
    (text, lang, stored) => {
      expect(guessLanguage(text.toLowerCase().split(' '))).toBe(lang);
      expect(storedTermsOf(text)).toBe(stored);
    },
  );

  it('GIVEN Chinese (no spaces) THEN words come from the word segmenter, not one long token', () => {
    expect(splitTerms(storedTermsOf('我想学习中文')).length).toBeGreaterThan(1);
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
