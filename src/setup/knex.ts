// knex is Strapi's own query builder (a dependency of @strapi/database): only its types are used here.
import type { Knex } from 'knex';

/** A transaction as `strapi.db.transaction(({ trx }) => ...)` hands it over; also a query builder. */
export type Transaction = Knex.Transaction;

/** The knex instance behind Strapi's database layer (`strapi.db.connection`). */
export type Connection = Knex;
