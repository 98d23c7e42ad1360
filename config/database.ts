import type { Core } from '@strapi/strapi';

import path from 'path';

/**
 * SQLite (better-sqlite3, file under .tmp/) by default; PostgreSQL with DATABASE_CLIENT=postgres
 * and DATABASE_URL. Anything else is refused at start-up rather than half-configured.
 */
export default ({ env }: Core.Config.Shared.ConfigParams) => {
  const client = env('DATABASE_CLIENT', 'sqlite');

  if (client === 'sqlite') {
    return {
      connection: {
        client: 'sqlite',
        connection: {
          filename: path.resolve(process.cwd(), env('DATABASE_FILENAME', '.tmp/data.db')),
        },
        useNullAsDefault: true,
      },
    };
  }

  if (client === 'postgres') {
    const connectionString = env('DATABASE_URL');
    if (!connectionString) {
      throw new Error('DATABASE_CLIENT=postgres needs DATABASE_URL (postgres://user:password@host:5432/database)');
    }
    return {
      connection: {
        client: 'postgres',
        connection: {
          connectionString,
          ssl: env.bool('DATABASE_SSL', false) ? { rejectUnauthorized: env.bool('DATABASE_SSL_REJECT_UNAUTHORIZED', true) } : false,
          schema: env('DATABASE_SCHEMA', 'public'),
        },
        pool: { min: env.int('DATABASE_POOL_MIN', 0), max: env.int('DATABASE_POOL_MAX', 10) },
        acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 60000),
      },
    };
  }

  throw new Error(`DATABASE_CLIENT must be "sqlite" or "postgres", got "${client}"`);
};
