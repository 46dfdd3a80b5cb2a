// vitest globalSetup: every temporary file of a test run (the tests', and those of the CLI and peers they
// start, all made under os.tmpdir()) goes into one directory of this run, removed when the run ends. Not every
// test removes what it made, and a run that is interrupted would leave its files among the machine's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tekton-attest-tests-'));
  // The test workers are forked after this, with this environment.
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
