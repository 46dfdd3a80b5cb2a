/**
 * Tekton's `$(...)` variable substitutions (tektoncd/pipeline's variableSubstitutionFormat,
 * `\$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)`), found by a scanner instead of that
 * pattern: in a backtracking engine its nested repetition takes exponential time on a value a build step
 * writes (`$(tasks.tasks.tasks...` without a closing parenthesis). Go's RE2 runs it in linear time; this
 * scanner matches exactly what it matches, in linear time too.
 */

/** The expressions inside every `$(...)` of a text, without the `$(` and `)`, in order. */
export function substitutionExpressions(text: string): string[] {
  const expressions: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('$(', from);
    if (start < 0) return expressions;
    const end = substitutionEnd(text, start);
    if (end === undefined) {
      // No match starts here; the next `$(` cannot start inside this one's name (`$` is not a name char).
      from = start + 2;
    } else {
      expressions.push(text.slice(start + 2, end - 1));
      from = end;
    }
  }
}

/** Whether the whole text is one `$(...)` substitution. */
export function isExactSubstitution(text: string): boolean {
  return text.startsWith('$(') && substitutionEnd(text, 0) === text.length;
}

/** The index just past the `)` of a substitution starting at `start` (`$(`), or undefined if none does. */
function substitutionEnd(text: string, start: number): number | undefined {
  let at = start + 2;
  const nameStart = at;
  while (at < text.length && isNameChar(text.charCodeAt(at))) at++;
  if (at === nameStart) return undefined;
  if (text[at] === '[') {
    at++;
    if (text[at] === '*') at++;
    else {
      const digitsStart = at;
      while (at < text.length && isDigit(text.charCodeAt(at))) at++;
      if (at === digitsStart) return undefined;
    }
    if (text[at] !== ']') return undefined;
    at++;
  }
  return text[at] === ')' ? at + 1 : undefined;
}

/** `[_a-zA-Z0-9.-]` */
function isNameChar(code: number): boolean {
  return (
    isDigit(code) ||
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x2d // -
  );
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
