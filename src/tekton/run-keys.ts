/**
 * Records keyed by names a run chooses (param names, object result keys, spec fields). Tekton accepts
 * `__proto__`, `constructor` and `prototype` as such names and Chains keeps them; on a plain object,
 * assigning `__proto__` sets the prototype instead of adding the key (it vanishes from the JSON), and
 * reading `constructor` finds Object's. These records have no prototype, so every name is just a key.
 */
export function runKeyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The value stored under a run-chosen key, never one inherited from Object.prototype. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
