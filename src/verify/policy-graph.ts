import { describeReference, type RunVerdict } from './policy.js';
import { type PolicyReport, printable } from './policy-report.js';
import type { RunTask } from './run-tasks.js';

/** Box geometry of `--graph`, in SVG user units. */
const BOX_WIDTH = 300;
const COLUMN_GAP = 60;
const ROW_GAP = 24;
const LINE = 16;
const PADDING = 10;
const MARGIN = 20;
/** What fits in a box, and on a line across the picture. */
const BOX_CHARS = 40;
const WIDE_CHARS = 140;
const WRAP_LINES = 3;
const RED = '#c62828';
const GREEN = '#2e7d32';

/**
 * `--graph FILE.svg`: each verified run as tasks in boxes, placed in columns by their `after` order (arrows
 * from the tasks they ran after), with their references and the images they built; a task that breaks a rule
 * is drawn red with the reasons. Every run-controlled text is escaped; long texts are cut, whole in a tooltip.
 */
export function policyGraph(report: PolicyReport): string {
  const parts: string[] = [];
  let y = MARGIN;
  parts.push(
    text(
      MARGIN,
      y + LINE,
      `${report.image}: ${report.allow ? 'allowed' : 'denied'}`,
      report.allow ? GREEN : RED,
      true,
      WIDE_CHARS,
    ),
  );
  y += LINE * 2;
  if (report.verdicts.length === 0) {
    parts.push(text(MARGIN, y + LINE, 'no verified SLSA provenance to evaluate', RED, false, WIDE_CHARS));
    y += LINE * 2;
  }
  let width = 640;
  for (const { source, verdict } of report.verdicts) {
    const drawn = drawRun(source, verdict, y);
    parts.push(drawn.svg);
    y = drawn.bottom + ROW_GAP;
    width = Math.max(width, drawn.right + MARGIN);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + MARGIN}" viewBox="0 0 ${width} ${y + MARGIN}" font-family="sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    `<rect width="${width}" height="${y + MARGIN}" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function drawRun(
  source: string,
  verdict: RunVerdict,
  top: number,
): { svg: string; bottom: number; right: number } {
  const { run } = verdict;
  const parts = [
    text(MARGIN, top + LINE, source, '#333', true, WIDE_CHARS),
    text(
      MARGIN,
      top + LINE * 2,
      `${run.predicateType} ${run.buildType ?? ''} builder ${run.builderId ?? '(none)'}`,
      '#555',
      false,
      WIDE_CHARS,
    ),
  ];
  let y = top + LINE * 3;
  for (const v of verdict.violations.filter((v) => v.task === undefined)) {
    parts.push(text(MARGIN, y + LINE, `✗ ${v.rule}: ${v.message}`, RED, false, WIDE_CHARS));
    y += LINE;
  }
  y += ROW_GAP / 2;
  const columns = columnsOf(run.tasks);
  const boxes = new Map<string, { x: number; y: number; height: number }>();
  const columnBottoms: number[] = [];
  let bottom = y;
  let right = MARGIN;
  run.tasks.forEach((task, i) => {
    const column = columns[i] ?? 0;
    const violations = verdict.violations.filter((v) => v.task === task.name);
    const lines = [
      ...wrapped(describeReference(task.reference), '#333'),
      ...task.images.flatMap((image) => wrapped(`built ${image}`, '#1565c0')),
      ...violations.flatMap((v) => wrapped(`✗ ${v.rule}: ${v.message}`, RED)),
    ];
    const height = PADDING * 2 + LINE * (lines.length + 1);
    const x = MARGIN + column * (BOX_WIDTH + COLUMN_GAP);
    const boxTop = columnBottoms[column] ?? y;
    columnBottoms[column] = boxTop + height + ROW_GAP;
    boxes.set(task.name, { x, y: boxTop, height });
    const denied = violations.length > 0;
    parts.push(
      `<g class="task${denied ? ' violation' : ''}"><title>${escapeXml(task.name)}</title>`,
      `<rect x="${x}" y="${boxTop}" width="${BOX_WIDTH}" height="${height}" rx="6" fill="${denied ? '#ffebee' : '#f5f5f5'}" stroke="${denied ? RED : '#888'}" stroke-width="${denied ? 2 : 1}"/>`,
      text(x + PADDING, boxTop + PADDING + LINE - 4, task.name, denied ? RED : '#000', true),
      ...lines.map((line, n) =>
        text(x + PADDING, boxTop + PADDING + LINE * (n + 2) - 4, line.value, line.color, false),
      ),
      '</g>',
    );
    bottom = Math.max(bottom, boxTop + height);
    right = Math.max(right, x + BOX_WIDTH);
  });
  for (const task of run.tasks) {
    const to = boxes.get(task.name);
    for (const name of task.after) {
      const from = boxes.get(name);
      if (!from || !to) continue;
      parts.push(
        `<line x1="${from.x + BOX_WIDTH}" y1="${from.y + from.height / 2}" x2="${to.x}" y2="${to.y + to.height / 2}" stroke="#555" marker-end="url(#arrow)"/>`,
      );
    }
  }
  return { svg: parts.join('\n'), bottom, right };
}

/**
 * Each task's column: one more than the furthest task it ran after. A run that records no `after` at all
 * (SLSA v1.0) is laid out in execution order, one column per task.
 */
function columnsOf(tasks: RunTask[]): number[] {
  if (tasks.every((task) => task.after.length === 0)) return tasks.map((_, i) => i);
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const depth = new Map<string, number>();
  const depthOf = (task: RunTask, seen: Set<string>): number => {
    const known = depth.get(task.name);
    if (known !== undefined) return known;
    if (seen.has(task.name)) return 0; // a cycle in a forged statement: stop, do not recurse forever
    seen.add(task.name);
    const before = task.after.map((name) => byName.get(name)).filter((t): t is RunTask => t !== undefined);
    const value = before.length === 0 ? 0 : 1 + Math.max(...before.map((t) => depthOf(t, seen)));
    depth.set(task.name, value);
    return value;
  };
  return tasks.map((task) => depthOf(task, new Set()));
}

/** A long box line over up to WRAP_LINES lines (the rest cut, whole in the tooltip of the last). */
function wrapped(value: string, color: string): { value: string; color: string }[] {
  const shown = printable(value);
  const lines: { value: string; color: string }[] = [];
  for (let at = 0; at < shown.length && lines.length < WRAP_LINES; at += BOX_CHARS) {
    const last = lines.length === WRAP_LINES - 1;
    lines.push({ value: last ? shown.slice(at) : shown.slice(at, at + BOX_CHARS), color });
  }
  return lines;
}

function text(x: number, y: number, value: string, color: string, bold: boolean, max = BOX_CHARS): string {
  const shown = printable(value);
  const cut = shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
  const title = cut === shown ? '' : `<title>${escapeXml(shown)}</title>`;
  return `<text x="${x}" y="${y}" fill="${color}"${bold ? ' font-weight="bold"' : ''}>${title}${escapeXml(cut)}</text>`;
}

/** XML text/attribute escaping; printable() has already removed the characters XML 1.0 forbids. */
function escapeXml(value: string): string {
  return printable(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}
