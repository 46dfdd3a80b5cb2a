// A renderer for the subset of Go text/template (+ sprig's `default`) that Kurator's predefined-task and RBAC
// templates use: `{{ .A.B }}`, `{{ default "x" .Params.key }}`, `{{ if .X }}...{{ end }}`, and the `{{-`/`-}}`
// trim markers. Anything else throws, so a template that grows beyond the subset fails the tests loudly
// instead of rendering wrong.

type Data = Record<string, unknown>;
type Node = { text: string } | { value: string } | { if: string; body: Node[] };

const ACTION = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;

export function renderGoTemplate(template: string, data: Data): string {
  return render(parseNodes(template), data);
}

function parseNodes(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let last = 0;
  let trimNext = false;
  const current = () => stack[stack.length - 1] as Node[];
  for (const match of template.matchAll(ACTION)) {
    const [whole, trimBefore, action = '', trimAfter] = match;
    let text = template.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (trimBefore) text = text.replace(/\s+$/, '');
    if (text) current().push({ text });
    last = (match.index ?? 0) + whole.length;
    trimNext = trimAfter === '-';
    if (/^(range|with|else|define|template|block|break|continue)\b/.test(action)) {
      throw new Error(`unsupported template action {{ ${action} }}`);
    }
    const ifMatch = /^if\s+(\S+)$/.exec(action);
    if (ifMatch) {
      const node = { if: ifMatch[1] ?? '', body: [] as Node[] };
      current().push(node);
      stack.push(node.body);
    } else if (action === 'end') {
      if (stack.length === 1) throw new Error('{{ end }} without {{ if }}');
      stack.pop();
    } else {
      current().push({ value: action });
    }
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) current().push({ text: tail });
  if (stack.length !== 1) throw new Error('{{ if }} without {{ end }}');
  return root;
}

function render(nodes: Node[], data: Data): string {
  let out = '';
  for (const node of nodes) {
    if ('text' in node) out += node.text;
    else if ('value' in node) out += String(evaluate(node.value, data));
    else if (truthy(field(node.if, data))) out += render(node.body, data);
  }
  return out;
}

function evaluate(action: string, data: Data): unknown {
  if (action.startsWith('.')) return field(action, data);
  const call = /^default\s+("(?:[^"\\]|\\.)*")\s+(\.\S+)$/.exec(action);
  if (call) {
    const fallback = JSON.parse(call[1] ?? '""') as string;
    const value = field(call[2] ?? '', data);
    // sprig's default: the fallback when the value is empty ("" or missing).
    return truthy(value) ? value : fallback;
  }
  throw new Error(`unsupported template action {{ ${action} }}`);
}

/** `.A.B.C`: struct fields must exist (Go fails on unknown fields); a missing map key of .Params is "". */
function field(path: string, data: Data): unknown {
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) throw new Error(`unsupported field reference ${path}`);
  let value: unknown = data;
  const names = path.slice(1).split('.');
  for (const [i, name] of names.entries()) {
    if (value === undefined || value === null) throw new Error(`${path}: nil pointer evaluating .${name}`);
    const record = value as Data;
    const isParamsMap = i > 0 && names[i - 1] === 'Params';
    if (!(name in record) && !isParamsMap) throw new Error(`${path}: can't evaluate field ${name}`);
    value = record[name] ?? (isParamsMap ? '' : record[name]);
  }
  return value;
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false && value !== 0;
}
