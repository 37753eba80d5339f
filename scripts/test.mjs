#!/usr/bin/env node
// `npm test`: type-checks the workspace, then runs every *.test.ts under packages/ with Node's test
// runner (TypeScript through tsx). Store suites run on PGlite and on the real servers named in
// .servers/urls.env (`scripts/servers up`); under CI=true a missing server fails the run.
//   npm test                      everything
//   npm test -- packages/kernel   only files under these paths
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = (roots.length ? roots : ['packages'])
  .flatMap((r) => (statSync(join(root, r)).isDirectory() ? findTests(join(root, r)) : [r]))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

if (!roots.length && !process.env.POLYSHOP_SKIP_TYPECHECK) {
  // the console's browser code has its own project (DOM, Preact's JSX): packages/console/tsconfig.json
  for (const project of ['tsconfig.json', 'packages/console/tsconfig.json']) {
    console.log(`typecheck: tsc -p ${project}`);
    const tsc = spawnSync('npx', ['tsc', '-p', project], { cwd: root, stdio: 'inherit' });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  }
}

const concurrency = process.env.POLYSHOP_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...passthrough,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
