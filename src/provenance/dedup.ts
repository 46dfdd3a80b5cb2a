import type { DigestSet } from './statement.js';

/**
 * Chains' two duplicate rules.
 *
 * Subjects and materials (internal/artifact AppendSubjects/AppendMaterials): an item with the same name
 * (uri) as an earlier one and at least one equal `alg: hex` is merged into it (digest sets united, first
 * position kept); otherwise it is appended. Indexed by name, so adding is O(1) per distinct digest set.
 *
 * Resolved dependencies (RemoveDuplicateResolvedDependencies): an entry whose {uri, digest, content} equals
 * an earlier one is dropped whatever its name, except `pipeline` and `task` entries.
 */
export class ArtifactList<T> {
  readonly items: T[] = [];
  private readonly byName = new Map<string, T[]>();

  constructor(
    private readonly nameOf: (item: T) => string,
    private readonly digestOf: (item: T) => DigestSet,
  ) {}

  add(...items: T[]): this {
    for (const item of items) {
      const name = this.nameOf(item);
      const sameName = this.byName.get(name);
      const match = sameName?.find((existing) => shareDigest(this.digestOf(existing), this.digestOf(item)));
      if (match) {
        Object.assign(this.digestOf(match), this.digestOf(item));
      } else {
        this.items.push(item);
        if (sameName) sameName.push(item);
        else this.byName.set(name, [item]);
      }
    }
    return this;
  }
}

// Go compares `y[alg] == hex`, where a missing algorithm reads as "".
function shareDigest(x: DigestSet, y: DigestSet): boolean {
  return Object.entries(x).some(([algorithm, hex]) => (y[algorithm] ?? '') === hex);
}

export interface Dependency {
  name?: string;
  uri?: string;
  digest?: DigestSet;
  content?: string;
}

const ALWAYS_KEPT = /^(pipeline|task)$/;

export function removeDuplicateDependencies<T extends Dependency>(entries: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const entry of entries) {
    const digest = Object.entries(entry.digest ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([entry.uri ?? '', digest, entry.content ?? '']);
    if (seen.has(key) && !ALWAYS_KEPT.test(entry.name ?? '')) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}
