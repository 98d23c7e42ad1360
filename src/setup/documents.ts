import type { Modules, UID } from '@strapi/strapi';

type PartialInput<U extends UID.ContentType> = Modules.Documents.Params.Data.PartialInput<U>;

/** An update's data where a field may be given null to clear it. */
export type Clearing<T> = { [K in keyof T]?: T[K] | null };

/**
 * `data` for a Document Service update that clears fields, checked field by field against the
 * schema. Strapi stores the null that clears a field, but its input types leave null out.
 */
export const clearing = <U extends UID.ContentType>(data: Clearing<PartialInput<U>>): PartialInput<U> => data as PartialInput<U>;
