/**
 * "A feature never imports discord.js, another platform, or platform code" (DESIGN.md), checked
 * over the real source tree: every import, re-export and dynamic import of every file under
 * src/features/, resolved against the file's folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FEATURES = join(ROOT, 'src/features');
const PLATFORMS = join(ROOT, 'src/platforms');
/** Packages that are a platform's own code. */
const PLATFORM_PACKAGES = /^(discord\.js|discord-api-types|@discordjs\/)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

/**
 * Every module specifier: `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`.
 * (TypeScript 7 has no JS parser API; a specifier quoted in a comment counts too, which errs strict.)
 */
const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"\n]+)['"]/g;

/** The imports of one file (its text) that reach platform code, as written. */
function platformImports(file: string, text: string): string[] {
  return [...text.matchAll(SPECIFIER)]
    .map((m) => m[1]!)
    .filter((spec) => {
      if (PLATFORM_PACKAGES.test(spec)) return true;
      if (!spec.startsWith('.')) return false;
      const target = resolve(dirname(file), spec);
      return target === PLATFORMS || target.startsWith(`${PLATFORMS}/`);
    });
}

describe('feature code and platform code', () => {
  it.each([
    ["import { forumHost } from '../../platforms/discourse/ids.js';", ['../../platforms/discourse/ids.js']],
    ["import type { Client } from 'discord.js';", ['discord.js']],
    ["export { x } from '../../platforms/discord/map.js';", ['../../platforms/discord/map.js']],
    ["const m = await import('@discordjs/rest');", ['@discordjs/rest']],
    ["import { forumHost } from '../../forumIds.js';", []],
    ["import { x } from './platforms.js';", []],
    ["import '../../platforms/discord/polyfill.js';", ['../../platforms/discord/polyfill.js']],
    [
      "import {\n  a,\n  b,\n} from '../../../src/platforms/discourse/ids.js';",
      ['../../../src/platforms/discourse/ids.js'],
    ],
  ])('GIVEN a feature file with %s THEN the check finds %j', (line, found) => {
    expect(platformImports(join(FEATURES, 'questions/links.ts'), line)).toEqual(found);
  });

  it('GIVEN every file under src/features/ THEN none imports discord.js or src/platforms/', () => {
    const files = sourceFiles(FEATURES);
    // The walk found the tree (a wrong root would pass vacuously).
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      platformImports(file, readFileSync(file, 'utf8')).map((spec) => `${relative(ROOT, file)}: ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
