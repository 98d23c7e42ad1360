import type { Modules, UID, Utils } from '@strapi/strapi';

/** Strapi's input of a document of `U`. */
export type Input<U extends UID.ContentType> = Modules.Documents.Params.Data.Input<U>;
type PartialInput<U extends UID.ContentType> = Modules.Documents.Params.Data.PartialInput<U>;

/**
 * A document's data as the processes write it, then handed over as Strapi's `Input`: that type
 * takes neither the null that clears an attribute (Strapi stores it) nor an interface in a JSON
 * attribute (an order line, an actor).
 */
export type Writes<U extends UID.ContentType> = {
  [K in keyof Input<U>]?: Input<U>[K] | null | (Utils.JSONValue extends Input<U>[K] ? unknown : never);
};

/** `data` for a Document Service update that clears fields, checked field by field against the schema. */
export const clearing = <U extends UID.ContentType>(data: Writes<U>): PartialInput<U> => data as PartialInput<U>;
