#!/usr/bin/env node
/**
 * Counts the explicit `any` types (the keyword in TypeScript's syntax tree, not the word in
 * comments) in the .ts/.tsx files under each folder given; `--files` lists them per file.
 *
 *   node scripts/count-any.js [--files] src/plugins/plan-renewals/server src/guards ...
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(file);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
  });

const countIn = (file) => {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, kind);
  let count = 0;
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) count += 1;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return count;
};

const perFile = process.argv.includes('--files');
const folders = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (folders.length === 0) {
  console.error('usage: node scripts/count-any.js [--files] FOLDER...');
  process.exit(2);
}
let all = 0;
for (const folder of folders) {
  const counts = walk(folder).map((file) => [countIn(file), file]).filter(([count]) => count > 0);
  const total = counts.reduce((sum, [count]) => sum + count, 0);
  all += total;
  console.log(`${total}\t${folder}`);
  if (perFile) counts.sort((a, b) => b[0] - a[0]).forEach(([count, file]) => console.log(`  ${count}\t${file}`));
}
if (folders.length > 1) console.log(`${all}\tin all`);
