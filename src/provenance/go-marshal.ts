/**
 * Go's encoding/json.Marshal of a typed object, from the object's JSON and a layout of its Go type
 * (tekton-go-layout.ts, generated from Tekton's own types): what Chains' slsa-tekton `content` holds, byte
 * for byte. The JSON is read as Go would decode it into the type (unknown fields dropped, absent fields
 * zero) and written as Go writes it: struct fields in declaration order, `omitempty`/`omitzero` applied,
 * map keys sorted, '<', '>', '&', U+2028 and U+2029 escaped, times in RFC 3339 UTC, and the custom
 * marshalers of the types that have one.
 *
 * Limits: a resource.Quantity or metav1.Duration is written as given (Go would canonicalize "1000m" to "1"
 * or "60m" to "1h0m0s"; Tekton and Kubernetes clients write them canonical already).
 */
export type GoType =
  | readonly ['struct', readonly (readonly [string, number, number])[]]
  | readonly ['slice' | 'map' | 'pointer', number]
  | readonly ['bytes' | 'string' | 'bool' | 'int' | 'float' | 'any']
  | readonly ['marshaler' | 'unsupported', string];

const OMIT_EMPTY = 1;
const OMIT_ZERO = 2;
const AS_STRING = 4;

import { compareUtf8, goAny, goString } from './go-json.js';

type Json = Record<string, unknown>;

export function goMarshal(value: unknown, layout: readonly GoType[], root: number): string {
  return new GoEncoder(layout).encode(value, root);
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON as a Marshaler returned it: compacted by Go, key order kept, strings escaped HTML-safe. */
function goRaw(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goRaw).join(',')}]`;
  return `{${Object.entries(value as Json)
    .map(([key, item]) => `${goString(key)}:${goRaw(item)}`)
    .join(',')}}`;
}

/** metav1.Time: RFC 3339 in UTC, whole seconds; zero is null. */
function goTime(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'null';
  const time = new Date(String(value));
  if (Number.isNaN(time.getTime())) throw new Error(`"${String(value)}" is not an RFC 3339 time`);
  return goString(time.toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

/** Tekton's ParamValue (also ResultValue): a string, an array of strings or a string map. */
function goParamValue(value: unknown): string {
  if (typeof value === 'string') return goString(value);
  if (Array.isArray(value)) return `[${value.map((item) => goString(String(item))).join(',')}]`;
  if (isObject(value)) return goAny(value);
  throw new Error('a param or result value is missing (Go cannot marshal an untyped ParamValue)');
}

const MARSHALERS: Readonly<Record<string, (value: unknown) => string>> = {
  Time: goTime,
  VolatileTime: goTime,
  ParamValue: goParamValue,
  Quantity: (value) => goString(value === undefined || value === null ? '0' : String(value)),
  Duration: (value) => goString(value === undefined || value === null ? '0s' : String(value)),
  IntOrString: (value) => (typeof value === 'string' ? goString(value) : String(value ?? 0)),
  FieldsV1: goRaw,
  RawExtension: goRaw,
};

/** The types of a layout this writer cannot write (a regenerated layout may bring new ones). */
export function unwritableGoTypes(layout: readonly GoType[]): string[] {
  return layout
    .filter((type) => type[0] === 'unsupported' || (type[0] === 'marshaler' && !MARSHALERS[type[1]]))
    .map((type) => `${type[0]} ${type[1]}`);
}

class GoEncoder {
  constructor(private readonly layout: readonly GoType[]) {}

  private type(index: number): GoType {
    const type = this.layout[index];
    if (!type) throw new Error(`Go layout has no type ${index}`);
    return type;
  }

  encode(value: unknown, index: number): string {
    const type = this.type(index);
    switch (type[0]) {
      case 'struct': {
        const object = isObject(value) ? value : {};
        const parts: string[] = [];
        for (const [name, fieldType, flags] of type[1]) {
          const field = object[name];
          if (flags & OMIT_EMPTY && this.isEmpty(field, fieldType)) continue;
          if (flags & OMIT_ZERO && this.isZero(field, fieldType)) continue;
          let encoded = this.encode(field, fieldType);
          if (flags & AS_STRING) encoded = goString(encoded);
          parts.push(`${goString(name)}:${encoded}`);
        }
        return `{${parts.join(',')}}`;
      }
      case 'pointer':
        return value === undefined || value === null ? 'null' : this.encode(value, type[1]);
      case 'slice':
        if (!Array.isArray(value)) return 'null';
        return `[${value.map((item) => this.encode(item, type[1])).join(',')}]`;
      case 'map': {
        if (!isObject(value)) return 'null';
        const keys = Object.keys(value).sort(compareUtf8);
        return `{${keys.map((key) => `${goString(key)}:${this.encode(value[key], type[1])}`).join(',')}}`;
      }
      case 'bytes':
        return typeof value === 'string' ? goString(value) : 'null';
      case 'string':
        return goString(typeof value === 'string' ? value : '');
      case 'bool':
        return value === true ? 'true' : 'false';
      case 'int':
      case 'float':
        return typeof value === 'number' ? JSON.stringify(value) : '0';
      case 'any':
        return goAny(value);
      case 'marshaler': {
        const marshal = MARSHALERS[type[1]];
        if (!marshal) throw new Error(`no JSON writer for Go type ${type[1]}`);
        return marshal(value);
      }
      default:
        throw new Error(`unsupported Go type ${type[1]}`);
    }
  }

  /** Go's isEmptyValue on the decoded value (omitempty): structs, and types with a marshaler, never are. */
  private isEmpty(value: unknown, index: number): boolean {
    const type = this.type(index);
    switch (type[0]) {
      case 'string':
        return value === undefined || value === null || value === '';
      case 'bool':
        return value !== true;
      case 'int':
      case 'float':
        return value === undefined || value === null || value === 0;
      case 'slice':
      case 'bytes':
        return !(Array.isArray(value) || typeof value === 'string') || value.length === 0;
      case 'map':
        return !isObject(value) || Object.keys(value).length === 0;
      case 'pointer':
      case 'any':
        return value === undefined || value === null;
      default:
        return false;
    }
  }

  /** Go's omitzero: IsZero() where the type has it (metav1.Time), else the zero value. */
  private isZero(value: unknown, index: number): boolean {
    const type = this.type(index);
    switch (type[0]) {
      case 'struct':
        return !isObject(value) || type[1].every(([name, fieldType]) => this.isZero(value[name], fieldType));
      case 'slice':
      case 'map':
      case 'bytes':
        return value === undefined || value === null;
      case 'marshaler':
        return (
          value === undefined ||
          value === null ||
          ((type[1] === 'Time' || type[1] === 'VolatileTime') && value === '')
        );
      default:
        return this.isEmpty(value, index);
    }
  }
}
