export { bm25, type CorpusStats, idf, termFrequencies } from './bm25.js';
export { formsOf, splitTerms, stem, storedTermsOf, termsOf, tokenize, type Word, words } from './tokenize.js';
