/**
 * docs/guide.md as steps a test can run, and the check of a step's output against the output the
 * guide shows. The conventions (also in the guide's top comment):
 * - ```` ```bash guide ````: a step, run with bash at the repository root; exported variables carry over.
 * - ```` ```bash guide-background ````: a command that keeps running (`polyshop start`); run in the
 *   background, the next step starts once its output block has appeared.
 * - ```` ```bash guide-env ````: variables the reader may set to their liking; CI runs the block, then
 *   puts its own values in some of them (a free port, a temporary folder, a fresh table).
 * - `<!-- guide-stop -->`: the reader presses Ctrl-C where the background command runs.
 * - ```` ```text output ````, right after one of the above: what it prints, abridged. Each line shown
 *   appears in the output (stdout and stderr), in this order, other lines between; `…` stands for any
 *   text, `~` before a figure for any figure (it depends on the machine).
 * Fenced blocks without these tags are not run.
 */

export type GuideStepKind = 'run' | 'background' | 'env' | 'stop';

export interface GuideStep {
  kind: GuideStepKind;
  /** The block's commands (empty for `stop`). */
  code: string;
  /** The output block that follows it, if any. */
  output?: string;
  /** 1-based line of the block in the guide (for messages). */
  line: number;
}

const KINDS: Record<string, GuideStepKind> = {
  guide: 'run',
  'guide-background': 'background',
  'guide-env': 'env',
};

const STOP_MARKER = '<!-- guide-stop -->';

/** The steps of the guide, in order, each with the output block that follows it. */
export function guideSteps(markdown: string): GuideStep[] {
  const lines = markdown.split('\n');
  const steps: GuideStep[] = [];
  let last: GuideStep | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === STOP_MARKER) {
      last = { kind: 'stop', code: '', line: i + 1 };
      steps.push(last);
      continue;
    }
    const fence = /^(`{3,})\s*(\S*)\s*(.*)$/.exec(line);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== fence[1]; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`docs/guide.md:${start + 1}: the fenced block is not closed`);
    const tags = fence[3]!.split(/\s+/).filter(Boolean);
    const kind = tags.map((tag) => KINDS[tag]).find(Boolean);
    if (kind) {
      last = { kind, code: body.join('\n'), line: start + 1 };
      steps.push(last);
    } else if (tags.includes('output')) {
      if (!last || last.output !== undefined)
        throw new Error(`docs/guide.md:${start + 1}: an output block belongs right after a step`);
      last.output = body.join('\n');
    } else {
      last = undefined;
    }
  }
  return steps;
}

/** The names a `guide-env` block exports (`export A=1 B=2`). */
export function exportedNames(code: string): string[] {
  const names: string[] = [];
  for (const line of code.split('\n')) {
    const match = /^\s*export\s+(.*)$/.exec(line);
    if (!match) continue;
    for (const assignment of match[1]!.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g))
      names.push(assignment[1]!);
  }
  return names;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One shown line as a pattern over a whole output line: `…` any text, `~12.3` any figure. */
function linePattern(shown: string): RegExp {
  const parts = shown.split('…').map((part) =>
    part
      .split(/~\d[\d.,]*/)
      .map(escape)
      .join('\\d[\\d.,]*'),
  );
  return new RegExp(`^${parts.join('.*')}$`);
}

/** A line with its runs of spaces as one (a table's padding follows the width of its figures). */
function squeeze(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * Which lines of `shown` (the guide's output block) are missing from `actual`: each shown line must
 * match a whole line of the output (both trimmed, runs of spaces as one), each after the one the previous line matched.
 * `replace` maps the guide's values (its URL, its port) to this run's before comparing.
 */
export function missingLines(shown: string, actual: string, replace: ReadonlyMap<string, string>): string[] {
  const output = actual.split('\n').map(squeeze);
  const missing: string[] = [];
  let from = 0;
  for (const raw of shown.split('\n')) {
    let line = squeeze(raw);
    if (line === '' || line === '…') continue;
    for (const [guideValue, runValue] of replace) line = line.split(guideValue).join(runValue);
    const pattern = linePattern(line);
    const at = output.findIndex((candidate, index) => index >= from && pattern.test(candidate));
    if (at === -1) missing.push(raw.trim());
    else from = at + 1;
  }
  return missing;
}
