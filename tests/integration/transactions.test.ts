import type { Core } from '@strapi/strapi';
import { startStrapi, stopStrapi } from '../harness/strapi';
import { createCustomer } from '../harness/fixtures';

/**
 * A transaction reported as committed has committed (src/setup/transactions.ts). A COMMIT is
 * made to fail for real, without cutting any connection: a deferred foreign key, checked only at
 * COMMIT, on both databases. Strapi's own `db.transaction` resolved in that case, as if the work
 * were stored.
 */
let strapi: Core.Strapi;

beforeAll(async () => {
  strapi = await startStrapi();
  await strapi.db.connection.raw(
    'CREATE TABLE commit_checks (id integer PRIMARY KEY, parent integer REFERENCES commit_checks (id) DEFERRABLE INITIALLY DEFERRED)',
  );
});
afterAll(async () => {
  await strapi.db.connection.raw('DROP TABLE IF EXISTS commit_checks');
  await stopStrapi(strapi);
});

/**
 * The error a promise rejects with, by its message: SQLite's errors come from the native driver,
 * shared by every test file of the process, so they are not `instanceof Error` of this file's
 * realm and Jest's `rejects.toThrow` would not see them.
 */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { message?: string }) => String(error?.message),
  );

const customersNamed = (name: string) => strapi.db.query('api::customer.customer').count({ where: { name } });

test('a transaction whose COMMIT fails rejects with the database error, and nothing of it is stored', async () => {
  const attempt = strapi.db.transaction(async ({ trx }) => {
    await createCustomer(strapi, { name: 'Commit Refused' });
    // Accepted now; refused at COMMIT, which then rolls the customer back with it.
    await trx.raw('INSERT INTO commit_checks (id, parent) VALUES (1, 999)');
    return 'stored';
  });
  expect(await rejection(attempt)).toMatch(/foreign key/i);
  expect(await customersNamed('Commit Refused')).toBe(0);
  expect(Number((await strapi.db.connection('commit_checks').count({ n: '*' }))[0].n)).toBe(0);
});

test('a transaction that commits resolves with its result, nested writes included', async () => {
  const result = await strapi.db.transaction(async ({ trx }) => {
    await createCustomer(strapi, { name: 'Commit Accepted' }); // the Document Service's own transaction, nested in this one
    await trx.raw('INSERT INTO commit_checks (id, parent) VALUES (2, NULL)');
    return 'stored';
  });
  expect(result).toBe('stored');
  expect(await customersNamed('Commit Accepted')).toBe(1);
});

test('a nested transaction joins the outer one: the outer COMMIT decides for both', async () => {
  const before = await customersNamed('Commit Joined');
  const attempt = strapi.db.transaction(async () => {
    await strapi.db.transaction(async ({ trx }) => trx.raw('INSERT INTO commit_checks (id, parent) VALUES (3, 998)'));
    await createCustomer(strapi, { name: 'Commit Joined' });
  });
  expect(await rejection(attempt)).toMatch(/foreign key/i);
  expect(await customersNamed('Commit Joined')).toBe(before);
});
