/** The core: /help, /convene status, /privacy and the bot's own plumbing commands. */
import { defineFeature } from '../feature.js';

export const coreFeature = defineFeature({
  name: 'core',
  commands: [],
  buttons: [],
  jobs: [],
});
