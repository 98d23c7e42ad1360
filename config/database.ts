import path from 'path';
import { readEnvironment } from '../src/setup/environment';

/**
 * SQLite (better-sqlite3, file under .tmp/) by default; PostgreSQL with DATABASE_CLIENT=postgres
 * and DATABASE_URL. Invalid settings stop the start-up with a message naming them.
 */
export default () => {
  const env = readEnvironment();

  if (env.DATABASE_CLIENT === 'sqlite') {
    return {
      connection: {
        client: 'sqlite',
        connection: { filename: path.resolve(process.cwd(), env.DATABASE_FILENAME) },
        useNullAsDefault: true,
      },
    };
  }

  return {
    connection: {
      client: 'postgres',
      connection: {
        connectionString: env.DATABASE_URL,
        ssl: env.DATABASE_SSL ? { rejectUnauthorized: env.DATABASE_SSL_REJECT_UNAUTHORIZED } : false,
        schema: env.DATABASE_SCHEMA,
      },
      pool: { min: env.DATABASE_POOL_MIN, max: env.DATABASE_POOL_MAX },
      acquireConnectionTimeout: env.DATABASE_CONNECTION_TIMEOUT,
    },
  };
};
