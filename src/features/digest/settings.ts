/** The digest section of a guild's settings (validated on import, defaults when absent). */
import { z } from 'zod';

export const digestSettings = z.object({}).default({});
