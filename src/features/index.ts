/** Every feature, listed once. Adding a feature is adding a folder and one line here. */
import { coreFeature } from './core/feature.js';
import { digestFeature } from './digest/feature.js';
import type { Feature } from './feature.js';
import { introsFeature } from './intros/feature.js';
import { journeyFeature } from './journey/feature.js';
import { linksFeature } from './links/feature.js';
import { questionsFeature } from './questions/feature.js';

export const features: Feature[] = [
  coreFeature,
  journeyFeature,
  digestFeature,
  questionsFeature,
  introsFeature,
  linksFeature,
];
