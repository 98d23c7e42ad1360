import type { Core, Schema } from '@strapi/strapi';

/**
 * Private fields never leave over the content API, and Strapi's query validation refuses them in
 * filters and sorts; but its full-text search (`?_q=`) matches every text column that is not
 * marked `searchable: false`, private or not, so a caller could read a private value (a Stripe
 * customer id, a password-reset token) back one character at a time from which records match.
 * Every private attribute of every content type, the plugins' included, is taken out of search
 * here, at registration, before the database models are built from the content types.
 */
/** An attribute as registered: its schema, and the search flag Strapi's query layer reads from it. */
type RegisteredAttribute = Schema.Attribute.AnyAttribute & { private?: boolean; searchable?: boolean };

export const privateAttributes = (strapi: Core.Strapi): { uid: string; name: string; attribute: RegisteredAttribute }[] =>
  Object.entries(strapi.contentTypes).flatMap(([uid, contentType]) =>
    Object.entries((contentType.attributes ?? {}) as Record<string, RegisteredAttribute>)
      .filter(([, attribute]) => attribute.private === true || attribute.type === 'password')
      .map(([name, attribute]) => ({ uid, name, attribute })),
  );

export const keepPrivateFieldsOutOfSearch = (strapi: Core.Strapi): void => {
  for (const { attribute } of privateAttributes(strapi)) attribute.searchable = false;
};
