// Apart from files.ts: the config and the HTTP edge read these at every start (`--help` too); files.ts's file
// I/O loads Node's promise API, which only the commands that read or write files need.

/**
 * The most read from one input file, one Kubernetes API response or one registry blob (`--max-input-size`):
 * above a v0.2 envelope of a 500-task run with 60 KB scripts (43 MB), far below the Task's memory limit.
 */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 2 ** 20;

/** 64 MiB, 1.5 KiB, 12 B. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}
