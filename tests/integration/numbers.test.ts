import type { Core } from '@strapi/strapi';
import { appModule, createOpenInvoice } from '../harness/fixtures';
import { startStrapi, stopStrapi } from '../harness/strapi';

/**
 * Invoice numbers are the engine's document numbers of the series INV, as purchase orders (PO)
 * and approval requests (AR) are: one counter row per series and year, gapless, taken inside the
 * invoice's transaction. A database from before kept invoice numbers in a table of their own; its
 * counters move over at the next start, never backwards.
 */
let strapi: Core.Strapi;

beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

const counter = async (series: string, year: number) => {
  const row = await strapi.db.connection('workflow_number_sequences').where({ series, year }).first();
  return row ? Number(row.last_value) : null;
};

test('an invoice takes the next number of the INV series of its year, from the shared counter', async () => {
  const { invoice } = await createOpenInvoice(strapi);
  expect(invoice.number).toBe('INV-2026-000001');
  expect(await counter('INV', 2026)).toBe(1);
  expect(await strapi.db.connection.schema.hasTable('invoice_number_sequences')).toBe(false);
});

test('invoices issued at once get consecutive numbers, none twice; a rolled-back invoice gives its number back', async () => {
  const before = (await counter('INV', 2026)) ?? 0;
  const issued = await Promise.all(Array.from({ length: 6 }, () => createOpenInvoice(strapi)));
  const numbers = issued.map(({ invoice }) => invoice.number).sort();
  expect(numbers).toEqual(Array.from({ length: 6 }, (_, i) => `INV-2026-${String(before + i + 1).padStart(6, '0')}`));

  const attempt = strapi.db.transaction(async () => {
    await strapi.service('api::invoice.invoice').nextNumber(2026);
    throw new Error('the invoice could not be stored');
  });
  await expect(attempt).rejects.toThrow('the invoice could not be stored');
  expect(await counter('INV', 2026)).toBe(before + 6);
});

test("a database from before: its invoice counters move over once, and a lower one never takes the shared counter back", async () => {
  const knex = strapi.db.connection;
  const taken = (await counter('INV', 2026)) ?? 0;
  await knex.schema.createTable('invoice_number_sequences', (table) => {
    table.integer('year').primary();
    table.integer('last_value').notNullable().defaultTo(0);
  });
  await knex('invoice_number_sequences').insert([
    { year: 2025, last_value: 41 },
    { year: 2026, last_value: 1 },
  ]);

  await appModule('setup/database').ensureDatabaseObjects(strapi);
  expect(await knex.schema.hasTable('invoice_number_sequences')).toBe(false);
  expect(await counter('INV', 2025)).toBe(41);
  expect(await counter('INV', 2026)).toBe(taken);
  expect(await strapi.service('api::invoice.invoice').nextNumber(2025)).toBe('INV-2025-000042');

  // Again: nothing left to move.
  await appModule('setup/database').ensureDatabaseObjects(strapi);
  expect(await counter('INV', 2025)).toBe(42);
});
