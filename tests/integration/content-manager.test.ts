import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { http, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * The content manager's views of the billing types as the app sets them at start-up, read the way
 * the admin panel reads them (a super admin, over HTTP); and an admin's own change to a view,
 * which a restart of the app on the same database leaves as the admin made it.
 */
let strapi: Core.Strapi;
let token: string;

beforeAll(async () => {
  strapi = await startStrapi();
  const response = await http(strapi)
    .post('/admin/register-admin')
    .send({ firstname: 'Fiona', lastname: 'Finance', email: 'fiona@shop.test', password: 'Str0ng-Passw0rd!' });
  expect(response.status).toBe(200);
  token = response.body.data.token;
});
afterAll(() => stopStrapi(strapi));

const configurationOf = async (uid: string, kind: 'content-types' | 'components' = 'content-types') => {
  const response = await http(strapi).get(`/content-manager/${kind}/${uid}/configuration`).set('Authorization', `Bearer ${token}`);
  expect(response.status).toBe(200);
  return kind === 'components' ? response.body.data.component : response.body.data.contentType;
};

/** Another process of the app on this test's database: boots (running bootstrap), then stops. */
const restartOnSameDatabase = () =>
  new Promise<void>((resolve, reject) => {
    const output: string[] = [];
    const child: ChildProcess = spawn(process.execPath, [path.resolve(__dirname, '..', 'harness', 'instance.js')], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (chunk.toString().includes('INSTANCE READY')) {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.on('exit', (code) => reject(new Error(`the app exited with ${code} while starting:\n${output.join('').slice(-3000)}`)));
  });

test('invoices: number, customer, state, total, paid at; newest first; amounts labelled, process fields read-only', async () => {
  const invoice = await configurationOf('api::invoice.invoice');
  expect(invoice.settings).toMatchObject({ mainField: 'number', defaultSortBy: 'issuedAt', defaultSortOrder: 'DESC' });
  expect(invoice.layouts.list).toEqual(['number', 'customer', 'state', 'totalMinor', 'dueDate', 'paidAt']);
  expect(invoice.metadatas.totalMinor.list.label).toBe('Total');
  expect(invoice.metadatas.totalMinor.edit).toMatchObject({ label: 'Total', editable: false, description: expect.stringContaining("invoice's currency") });
  expect(invoice.metadatas.state.edit.editable).toBe(true);
  // The customer column shows the customer's name, not an id.
  expect(invoice.metadatas.customer.list.mainField).toBe('name');
  // The list the panel asks for with these settings.
  const list = await http(strapi).get(`/content-manager/collection-types/api::invoice.invoice?page=1&pageSize=10&sort=issuedAt:DESC`).set('Authorization', `Bearer ${token}`);
  expect(list.status).toBe(200);
});

test('audit log: newest first by time, then entity, action, actor; nothing editable, JSON read-only', async () => {
  const audit = await configurationOf('api::audit-log.audit-log');
  expect(audit.settings).toMatchObject({ defaultSortBy: 'occurredAt', defaultSortOrder: 'DESC' });
  expect(audit.layouts.list).toEqual(['occurredAt', 'entityUid', 'action', 'actorName', 'summary']);
  const fields = Object.keys(strapi.contentType('api::audit-log.audit-log').attributes).filter((name) => audit.metadatas[name] && audit.metadatas[name].edit.visible !== false);
  expect(fields).toEqual(expect.arrayContaining(['occurredAt', 'action', 'summary', 'changes', 'data']));
  expect(fields.filter((name) => !['createdAt', 'updatedAt'].includes(name) && audit.metadatas[name].edit.editable !== false)).toEqual([]);
  expect(audit.metadatas.changes.edit).toMatchObject({ label: 'Changes', editable: false });
});

test('service plans, customers, plans, transactions and the components read as a person would', async () => {
  const servicePlan = await configurationOf('api::service-plan.service-plan');
  expect(servicePlan.layouts.list).toEqual(['customer', 'plan', 'state', 'endDate', 'autoRenew']);
  expect(servicePlan.metadatas.endDate.list.label).toBe('Paid until');
  expect(servicePlan.metadatas.addOnCodes.edit).toMatchObject({ label: 'Add-ons', editable: false });
  expect((await configurationOf('api::customer.customer')).settings).toMatchObject({ defaultSortBy: 'name', defaultSortOrder: 'ASC' });
  expect((await configurationOf('api::plan.plan')).layouts.list).toEqual(['code', 'name', 'priceMinor', 'termMonths', 'active']);
  const transaction = await configurationOf('api::transaction.transaction');
  expect(transaction.settings).toMatchObject({ defaultSortBy: 'occurredAt', defaultSortOrder: 'DESC' });
  expect(transaction.metadatas.amountMinor.edit).toMatchObject({ label: 'Amount', editable: false });
  expect((await configurationOf('catalog.add-on', 'components')).metadatas.feeMinor.edit.label).toBe('Fee');
});

test("an admin's change to a view survives a restart; the views the app still owns stay the app's", async () => {
  const uid = 'api::invoice.invoice';
  const current = await configurationOf(uid);
  // What the panel's "Configure the view" sends: settings, layouts and each field's metadata.
  const pick = (value: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in value).map((k) => [k, value[k]]));
  const metadatas = Object.fromEntries(
    Object.entries(current.metadatas).map(([name, m]: [string, any]) => [
        name,
        { edit: pick(m.edit, ['label', 'description', 'placeholder', 'editable', 'visible', 'mainField']), list: pick(m.list, ['label', 'searchable', 'sortable']) },
      ]),
  );
  metadatas.totalMinor.list.label = 'Amount due';
  const body = {
    settings: { ...current.settings, defaultSortBy: 'number', defaultSortOrder: 'ASC' },
    metadatas,
    layouts: { edit: current.layouts.edit, list: ['number', 'state', 'totalMinor'] },
  };
  const saved = await http(strapi).put(`/content-manager/content-types/${uid}/configuration`).set('Authorization', `Bearer ${token}`).send(body);
  expect(saved.status).toBe(200);

  await restartOnSameDatabase();

  const after = await configurationOf(uid);
  expect(after.settings).toMatchObject({ defaultSortBy: 'number', defaultSortOrder: 'ASC' });
  expect(after.layouts.list).toEqual(['number', 'state', 'totalMinor']);
  expect(after.metadatas.totalMinor.list.label).toBe('Amount due');
  const audit = await configurationOf('api::audit-log.audit-log');
  expect(audit.settings).toMatchObject({ defaultSortBy: 'occurredAt', defaultSortOrder: 'DESC' });
  expect(audit.layouts.list).toEqual(['occurredAt', 'entityUid', 'action', 'actorName', 'summary']);
});
