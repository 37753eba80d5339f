import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console's browser code: one script and one stylesheet, as served, and the chunks loaded later. */
export interface ConsoleBundle {
  script: string;
  stylesheet: string;
  /** Code a page imports when it is opened (`import()`: Vega for the Benchmarks page), by file name. */
  chunks: Map<string, string>;
}

const SOURCE = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Bundles `src/main.tsx` (Preact, @polyshop/client, the stylesheet it imports) with esbuild in memory —
 * about a tenth of a second, done once per process when the console is first asked for, so that
 * `npm install && npm start` stays the only set-up and nothing built is committed.
 */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({
    absWorkingDir: SOURCE,
    entryPoints: { app: 'main.tsx' },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    // a dynamic import() becomes a chunk of its own, fetched from /console/chunks/ when first needed
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = (extension: string) => {
    const found = result.outputFiles.find((output) => output.path.endsWith(extension));
    if (!found) throw new Error(`esbuild wrote no ${extension} file for the console`);
    return found.text;
  };
  const chunks = new Map(
    result.outputFiles
      .filter((output) => /\/out\/chunks\/[^/]+\.js$/.test(output.path))
      .map((output) => [output.path.slice(output.path.lastIndexOf('/') + 1), output.text]),
  );
  return { script: file('out/app.js'), stylesheet: file('.css'), chunks };
}
