import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export { freePort } from '@polyshop/platform/testing';

/** What a step printed (stdout and stderr, in the order written) and how it ended. */
export interface StepResult {
  code: number | null;
  /** The signal that ended the step's shell, if one did. */
  signal?: NodeJS.Signals | null;
  output: string;
}

/** Variables of bash itself, not the reader's: not carried from one step to the next. */
const SHELL_OWN = /^declare -x (PWD|OLDPWD|SHLVL|_)=/;

/**
 * The reader's terminal, for the guide's steps: each step is a bash at the repository root that
 * starts from the variables the steps before it exported (kept in `stateFile`) and saves its own.
 * Each runs in a process group of its own, so Ctrl-C reaches a background command as a terminal's does.
 */
export class GuideShell {
  private background: ReturnType<GuideShell['spawnStep']> | undefined;

  constructor(
    private readonly root: string,
    private readonly stateFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    writeFileSync(stateFile, '');
  }

  /** Adds `export NAME=value` lines to what the next steps start from. */
  exportVariables(variables: Record<string, string>): void {
    const lines = Object.entries(variables).map(([name, value]) => `export ${name}=${shellQuote(value)}\n`);
    writeFileSync(this.stateFile, lines.join(''), { flag: 'a' });
  }

  /** A bash for one step, in a process group of its own (Ctrl-C, or an end past its time, reaches all it started). */
  private spawnStep(script: string) {
    const child = spawn('bash', ['-c', `exec 2>&1\n. ${shellQuote(this.stateFile)}\n${script}`], {
      cwd: this.root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    let signal: NodeJS.Signals | null = null;
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code, by) => {
        signal = by;
        resolve(code);
      }),
    );
    return { child, output: () => output, signal: () => signal, exited };
  }

  /** Runs a step to its end (`set -eo pipefail`: the first failing command ends it); keeps its exports. */
  async run(code: string, timeoutMs: number): Promise<StepResult> {
    const state = shellQuote(this.stateFile);
    const step = this.spawnStep(
      `set -eo pipefail\n${code}\nexport -p | grep -Ev '${SHELL_OWN.source}' > ${state}.next\nmv ${state}.next ${state}`,
    );
    const timer = setTimeout(() => killGroup(step.child), timeoutMs);
    try {
      return { code: await step.exited, output: step.output() };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts a command that keeps running. Resolves once `ready(output)` holds, or once it has printed
   * nothing new for `quietMs` after its first line (it will not print what is awaited: the caller's
   * check then names what is missing), or when it exits (`code` set), or at `timeoutMs`.
   */
  async start(
    code: string,
    ready: (output: string) => boolean,
    { quietMs, timeoutMs }: { quietMs: number; timeoutMs: number },
  ): Promise<StepResult> {
    if (this.background) throw new Error('a background command is already running');
    const step = this.spawnStep(code);
    this.background = step;
    let exited: number | null | 'running' = 'running';
    void step.exited.then((status) => (exited = status));
    const deadline = Date.now() + timeoutMs;
    let printed = 0;
    let lastPrinted = Date.now();
    while (!ready(step.output()) && exited === 'running' && Date.now() < deadline) {
      if (step.output().length !== printed) {
        printed = step.output().length;
        lastPrinted = Date.now();
      } else if (printed > 0 && Date.now() - lastPrinted > quietMs) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (exited !== 'running') this.background = undefined;
    return { code: exited === 'running' ? null : exited, output: step.output() };
  }

  /** Ctrl-C to the background command's process group; resolves once it ended, with all it printed. */
  async interrupt(timeoutMs: number): Promise<StepResult> {
    const step = this.background;
    if (!step) throw new Error('no background command runs');
    this.background = undefined;
    process.kill(-step.child.pid!, 'SIGINT');
    const timer = setTimeout(() => killGroup(step.child), timeoutMs);
    try {
      return { code: await step.exited, signal: step.signal(), output: step.output() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends whatever still runs in the background (after a failed step). */
  async close(): Promise<void> {
    const step = this.background;
    this.background = undefined;
    if (!step) return;
    killGroup(step.child);
    await step.exited;
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
