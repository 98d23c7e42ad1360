/**
 * Which fields a write really sets or changes, compared with the stored record. The content
 * manager sends every field of the form, changed or not, with relations as connect/disconnect
 * lists and components with their ids; REST sends what the caller typed. Both are compared by
 * value here, per attribute type, so that an unchanged field is never counted as a change.
 */
type Attribute = { type: string; relation?: string; repeatable?: boolean; private?: boolean };
export type Attributes = Record<string, Attribute>;

/** Keys Strapi manages itself; never an editor's change. */
export const SYSTEM_FIELDS = new Set([
  'id',
  'documentId',
  'createdAt',
  'updatedAt',
  'publishedAt',
  'createdBy',
  'updatedBy',
  'locale',
  'localizations',
]);

const blank = (value: unknown) => value === undefined || value === null || value === '';

const stable = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );

/** Two scalar values of an attribute, compared as the database stores them. */
export const sameScalar = (attribute: Attribute, a: unknown, b: unknown): boolean => {
  if (blank(a) || blank(b)) return blank(a) && blank(b);
  switch (attribute.type) {
    case 'date':
      return String(a).slice(0, 10) === String(b).slice(0, 10);
    case 'datetime':
    case 'timestamp':
      return new Date(a as string | number | Date).getTime() === new Date(b as string | number | Date).getTime();
    case 'integer':
    case 'biginteger':
    case 'float':
    case 'decimal':
      return Number(a) === Number(b);
    case 'boolean':
      return String(a) === String(b);
    case 'json':
      return stable(typeof a === 'string' ? safeParse(a) : a) === stable(typeof b === 'string' ? safeParse(b) : b);
    default:
      return String(a) === String(b);
  }
};

const safeParse = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const keyOf = (item: unknown): string => {
  if (item && typeof item === 'object') {
    const object = item as Record<string, unknown>;
    return String(object.documentId ?? object.id);
  }
  return String(item);
};

/**
 * The records a relation value points at, or 'unchanged' for the content manager's empty
 * connect/disconnect, or 'changed' for a partial connect/disconnect.
 */
const relationTargets = (value: unknown): string[] | 'unchanged' | 'changed' => {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(keyOf);
  if (typeof value !== 'object') return [String(value)];
  const object = value as Record<string, unknown>;
  if ('set' in object) return relationTargets(object.set);
  if ('connect' in object || 'disconnect' in object) {
    const listed = [object.connect, object.disconnect].filter((list) => Array.isArray(list) ? list.length > 0 : list != null);
    return listed.length === 0 ? 'unchanged' : 'changed';
  }
  return [keyOf(object)];
};

const sameRelation = (value: unknown, stored: unknown): boolean => {
  const targets = relationTargets(value);
  if (targets === 'unchanged') return true;
  if (targets === 'changed') return false;
  const current = (Array.isArray(stored) ? stored : stored ? [stored] : []) as Record<string, unknown>[];
  return (
    targets.length === current.length &&
    targets.every((target) => current.some((row) => String(row.documentId) === target || String(row.id) === target))
  );
};

const sameComponent = (value: unknown, stored: unknown): boolean => {
  const items = (Array.isArray(value) ? value : value == null ? [] : [value]) as Record<string, unknown>[];
  const current = (Array.isArray(stored) ? stored : stored == null ? [] : [stored]) as Record<string, unknown>[];
  if (items.length !== current.length) return false;
  return items.every((item, i) =>
    Object.entries(item ?? {}).every(
      ([key, v]) => SYSTEM_FIELDS.has(key) || key.startsWith('__') || stable(v ?? null) === stable(current[i]?.[key] ?? null),
    ),
  );
};

/** Whether `value`, as written, differs from the stored `stored` value of `attribute`. */
export const differs = (attribute: Attribute, value: unknown, stored: unknown): boolean => {
  if (attribute.type === 'relation') return !sameRelation(value, stored);
  if (attribute.type === 'component' || attribute.type === 'dynamiczone') return !sameComponent(value, stored);
  return !sameScalar(attribute, value, stored);
};

/** Whether a value written on creation sets anything (the content manager sends empty fields too). */
export const setsSomething = (attribute: Attribute, value: unknown): boolean => {
  if (attribute.type === 'relation') {
    const targets = relationTargets(value);
    return targets === 'changed' || (Array.isArray(targets) && targets.length > 0);
  }
  if (Array.isArray(value)) return value.length > 0;
  return !blank(value);
};

/** The fields of `data` an editor's write sets (no `stored`) or changes (compared with `stored`). */
export const editedFields = (attributes: Attributes, data: Record<string, unknown>, stored?: Record<string, unknown>) => {
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (SYSTEM_FIELDS.has(field)) continue;
    const attribute = attributes[field];
    // Unknown keys are Strapi's own validation's to refuse; they are named as edits all the same.
    if (!attribute) {
      fields[field] = value;
      continue;
    }
    const edited = stored ? differs(attribute, value, stored[field]) : setsSomething(attribute, value);
    if (edited) fields[field] = value;
  }
  return fields;
};

/** How a value appears in the audit log: a private value (a card reference) only by its end. */
export const shown = (attribute: Attribute | undefined, value: unknown): unknown => {
  if (value === undefined) return null;
  if (!attribute?.private || blank(value)) return value instanceof Date ? value.toISOString() : value;
  const text = String(value);
  return `…${text.slice(-4)}`;
};
