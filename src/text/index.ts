export { bm25, type CorpusStats, idf, termFrequencies } from './bm25.js';
export { splitTerms, stem, termsOf, tokenize } from './tokenize.js';
