/** Every feature, listed once. Adding a feature is adding a folder and one line here. */
import { coreFeature } from './core/feature.js';
import type { Feature } from './feature.js';

export const features: Feature[] = [coreFeature];
