// A small JSON Schema validator for the subset that `sim schema` emits (type, properties,
// additionalProperties: false, required, enum, anyOf, items, minimum/maximum, exclusiveMinimum,
// minLength, minItems, pattern). Returns the first problem as "path: what", or null.
type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: unknown, v: unknown): boolean {
  const t = typeOf(v);
  const wants = Array.isArray(want) ? want : [want];
  return wants.some((w) => w === t || (w === 'number' && t === 'integer'));
}

export function validate(schema: Schema, v: unknown, at = '$'): string | null {
  if (schema.type !== undefined && !typeMatches(schema.type, v)) return `${at}: is ${typeOf(v)}, want ${JSON.stringify(schema.type)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(v)) return `${at}: not one of ${JSON.stringify(schema.enum)}`;
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => validate(s, v, at) === null);
    if (!ok) return `${at}: matches none of anyOf`;
  }
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && v < schema.minimum) return `${at}: below ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && v > schema.maximum) return `${at}: above ${schema.maximum}`;
    if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) return `${at}: not above ${schema.exclusiveMinimum}`;
  }
  if (typeof v === 'string') {
    if (typeof schema.minLength === 'number' && v.length < schema.minLength) return `${at}: shorter than ${schema.minLength}`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v)) return `${at}: does not match ${schema.pattern}`;
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) return `${at}: fewer than ${schema.minItems} items`;
    if (schema.items && typeof schema.items === 'object') {
      for (let i = 0; i < v.length; i++) {
        const p = validate(schema.items as Schema, v[i], `${at}[${i}]`);
        if (p) return p;
      }
    }
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return validateObject(schema, v as Record<string, unknown>, at);
  return null;
}

function validateObject(schema: Schema, o: Record<string, unknown>, at: string): string | null {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const k of (schema.required ?? []) as string[]) if (!(k in o)) return `${at}.${k}: is required`;
  for (const [k, val] of Object.entries(o)) {
    const ps = props[k];
    if (ps === undefined) {
      if (schema.additionalProperties === false) return `${at}.${k}: unknown key`;
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const p = validate(schema.additionalProperties as Schema, val, `${at}.${k}`);
        if (p) return p;
      }
      continue;
    }
    const p = validate(ps, val, `${at}.${k}`);
    if (p) return p;
  }
  return null;
}
