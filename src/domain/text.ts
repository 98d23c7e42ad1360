/**
 * Text both databases can store. PostgreSQL refuses the NUL character (U+0000) in text and JSON
 * columns, and no billing field has a use for it, so input carrying one is refused at the edge on
 * every database alike instead of failing deep inside a write on one of them.
 */
const NUL = '\u0000';

/**
 * Where in `value` (a string, or JSON-like arrays and objects, keys included) a NUL character
 * occurs: a path such as `data.name`, `(key) data`, or null when there is none.
 */
export const nulCharacterPath = (value: unknown, path = ''): string | null => {
  if (typeof value === 'string') return value.includes(NUL) ? path || '(value)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = nulCharacterPath(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes(NUL)) return `(key) ${path || '(root)'}`;
      const found = nulCharacterPath(item, at);
      if (found) return found;
    }
  }
  return null;
};
