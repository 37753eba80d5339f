import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console's browser code: one script and one stylesheet, as served. */
export interface ConsoleBundle {
  script: string;
  stylesheet: string;
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
  return { script: file('.js'), stylesheet: file('.css') };
}
