import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The engine never names a process, one of its records or its providers (DESIGN.md): adding a
 * process changes no file of the engine. Every file of the plugin is read, comments included.
 */
const ROOT = join(__dirname, '..', '..', 'src', 'plugins', 'workflows');

const PROCESS_WORDS: [string, RegExp][] = [
  ['invoice', /invoice/i],
  ['service plan', /service[\s_-]?plan/i],
  ['stripe', /stripe/i],
  ['pass', /\bpass(es)?\b/i],
  ['approval', /approval/i],
  ['renewal', /renewal/i],
  ['plan-renewals', /plan-renewals/i],
  ['pre-paid', /pre-?paid/i],
  ['transit', /transit/i],
  ['repair', /repair/i],
];

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));

test('the workflows plugin has files to check', () => {
  expect(filesUnder(ROOT).map((file) => relative(ROOT, file))).toEqual(expect.arrayContaining(['package.json', 'server/src/domain/progress.ts', 'server/src/services/registry.ts']));
});

test.each(filesUnder(ROOT).map((file) => [relative(ROOT, file), file]))('%s names no process', (_name, file) => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found = lines.flatMap((line, i) => PROCESS_WORDS.filter(([, word]) => word.test(line)).map(([label]) => `line ${i + 1}: ${label} — ${line.trim()}`));
  expect(found).toEqual([]);
});
