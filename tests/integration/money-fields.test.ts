import type { Core } from '@strapi/strapi';
import { http, startStrapi, stopStrapi } from '../harness/strapi';
import { MONEY_FIELD_UIDS } from '../../src/plugins/money/server/src/fields';

/**
 * Money fields: the money plugin's custom fields are registered, every money attribute of every
 * content type and component uses one (so a new money field cannot be added as a plain integer),
 * and underneath they are still the integer columns they were: same column type, same checks.
 */
let strapi: Core.Strapi;

beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

type Attribute = { type: string; customField?: string; options?: { currencyFrom?: { field: string; model: string } } };

const allAttributes = () =>
  [...Object.entries(strapi.contentTypes), ...Object.entries(strapi.components)].flatMap(([uid, schema]) =>
    Object.entries((schema as { attributes: Record<string, Attribute> }).attributes).map(([name, attribute]) => ({ uid, name, attribute, schema: schema as any })),
  );

/** An amount of money, by its name: `...Minor` (priceMinor, mrrMinor) or an `amount`. */
const namesMoney = (name: string) => /Minor$/.test(name) || /^amount/i.test(name);

test('the money custom fields are registered with their storage types', () => {
  const registry = strapi.get('custom-fields');
  expect(registry.get('plugin::money.amount')).toMatchObject({ type: 'integer' });
  expect(registry.get('plugin::money.big-amount')).toMatchObject({ type: 'biginteger' });
  expect(MONEY_FIELD_UIDS).toEqual(['plugin::money.amount', 'plugin::money.big-amount']);
});

test('every money attribute uses a money field, stored as the integer type it was', () => {
  const money = allAttributes().filter(({ name, attribute }) => namesMoney(name) && ['integer', 'biginteger'].includes(attribute.type));
  expect(money.map(({ uid, name }) => `${uid}.${name}`)).toEqual(
    expect.arrayContaining([
      'api::invoice.invoice.subtotalMinor',
      'api::invoice.invoice.taxMinor',
      'api::invoice.invoice.totalMinor',
      'api::plan.plan.priceMinor',
      'api::service-plan.service-plan.recurringMinor',
      'api::transaction.transaction.amountMinor',
      'billing.invoice-line.amountMinor',
      'catalog.add-on.feeMinor',
      'plugin::plan-renewals.mrr-snapshot.mrrMinor',
    ]),
  );
  for (const { uid, name, attribute } of money) {
    expect({ field: `${uid}.${name}`, customField: attribute.customField }).toEqual({
      field: `${uid}.${name}`,
      customField: attribute.type === 'biginteger' ? 'plugin::money.big-amount' : 'plugin::money.amount',
    });
  }
  // Nothing else uses them: a count or a rate is not money.
  const users = allAttributes().filter(({ attribute }) => MONEY_FIELD_UIDS.includes(attribute.customField ?? ''));
  expect(users.map(({ uid, name }) => `${uid}.${name}`).sort()).toEqual(money.map(({ uid, name }) => `${uid}.${name}`).sort());
});

test("each money field finds its currency: its record's currency field, or the one of the relation it names", () => {
  for (const { uid, name, attribute, schema } of allAttributes().filter(({ attribute }) => MONEY_FIELD_UIDS.includes(attribute.customField ?? ''))) {
    const from = attribute.options?.currencyFrom;
    if (!from) {
      // A component's money is in the currency of the record holding it.
      const holders = schema.modelType === 'component'
        ? Object.values(strapi.contentTypes).filter((type: any) => Object.values(type.attributes).some((a: any) => a.type === 'component' && a.component === uid))
        : [schema];
      expect(holders.length).toBeGreaterThan(0);
      for (const holder of holders as any[]) expect({ field: `${uid}.${name}`, currency: holder.attributes.currency?.type }).toEqual({ field: `${uid}.${name}`, currency: 'string' });
    } else {
      expect(schema.attributes[from.field]).toMatchObject({ type: 'relation', relation: 'manyToOne', target: from.model });
      expect((strapi.getModel(from.model as any) as any).attributes.currency).toMatchObject({ type: 'string' });
    }
  }
});

test('the columns are unchanged integers, and the integer checks still apply', async () => {
  const knex = strapi.db.connection;
  const column = async (table: string, name: string) => (await knex(table).columnInfo())[name]?.type;
  expect(await column('invoices', 'total_minor')).toMatch(/^int|integer/);
  expect(await column('plans', 'price_minor')).toMatch(/^int|integer/);
  expect(await column('plan_renewal_mrr_snapshots', 'mrr_minor')).toMatch(/^bigint$/);

  const plan = { code: 'money-check', name: 'Money check', currency: 'KWD', termMonths: 12, taxRateBps: 0 };
  await expect(strapi.documents('api::plan.plan').create({ data: { ...plan, priceMinor: 1.5 } as any })).rejects.toThrow(/integer/);
  await expect(strapi.documents('api::plan.plan').create({ data: { ...plan, priceMinor: -1 } as any })).rejects.toThrow(/min|at least|greater/i);
  const created = await strapi.documents('api::plan.plan').create({ data: { ...plan, priceMinor: 1234 } as any });
  expect((await strapi.documents('api::plan.plan').findOne({ documentId: created.documentId }))?.priceMinor).toBe(1234);
});

test('the admin panel sees the money fields as custom fields over integers', async () => {
  const response = await http(strapi)
    .post('/admin/register-admin')
    .send({ firstname: 'Fiona', lastname: 'Finance', email: 'fiona@shop.test', password: 'Str0ng-Passw0rd!' });
  expect(response.status).toBe(200);
  const types = await http(strapi).get('/content-manager/content-types').set('Authorization', `Bearer ${response.body.data.token}`);
  expect(types.status).toBe(200);
  const invoice = types.body.data.find((type: { uid: string }) => type.uid === 'api::invoice.invoice');
  expect(invoice.attributes.totalMinor).toMatchObject({ type: 'integer', customField: 'plugin::money.amount' });
  const components = await http(strapi).get('/content-manager/components').set('Authorization', `Bearer ${response.body.data.token}`);
  const line = components.body.data.find((component: { uid: string }) => component.uid === 'billing.invoice-line');
  expect(line.attributes.amountMinor).toMatchObject({ type: 'integer', customField: 'plugin::money.amount' });
});
