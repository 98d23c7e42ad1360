import type { Core } from '@strapi/strapi';

/**
 * SQL reading one text value of a JSON column (a run's `context.customer.id`, say), written
 * once per dialect: PostgreSQL keeps JSON as jsonb, SQLite and MySQL as text read with their JSON
 * functions. `path` is a list of property names the caller fixes, never a request's input.
 */
export const jsonTextSql = (strapi: Core.Strapi, column: string, path: readonly string[]): string => {
  if (path.some((key) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))) throw new Error(`Not a JSON path of property names: ${path.join('.')}`);
  if (strapi.db.dialect.client === 'postgres') return `${column} #>> '{${path.join(',')}}'`;
  if (strapi.db.dialect.client === 'sqlite') return `json_extract(${column}, '$.${path.join('.')}')`;
  return `JSON_UNQUOTE(JSON_EXTRACT(${column}, '$.${path.join('.')}'))`;
};
