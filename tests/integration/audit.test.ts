import type { Core } from '@strapi/strapi';
import { http, signInStaff, startStrapi, stopStrapi } from '../harness/strapi';
import { rejection } from '../harness/rejection';
import { appModule, auditEntries, createOpenInvoice, createServicePlan, recordPayment, setStatus } from '../harness/fixtures';

/** Every status change leaves an audit entry, written with the change or not at all; none can be undone. */
let strapi: Core.Strapi;
let finance: string;
let customerSuccess: string;

beforeAll(async () => {
  strapi = await startStrapi();
  ({ finance, customerSuccess } = await signInStaff(strapi));
});
afterAll(() => stopStrapi(strapi));

const auditCount = () => strapi.db.query('api::audit-log.audit-log').count();

describe('audit entries', () => {
  test('creation and each status change are recorded, with the system as actor for code', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    await setStatus(strapi, 'api::service-plan.service-plan', servicePlan.documentId, 'Processing');
    await setStatus(strapi, 'api::service-plan.service-plan', servicePlan.documentId, 'Cancelled');
    const entries = await auditEntries(strapi, servicePlan.documentId);
    expect(entries.map((e: any) => [e.action, e.summary, e.actorType])).toEqual([
      ['service-plan.created', 'Service plan created as Pending', 'system'],
      ['service-plan.status-changed', 'Service plan Pending -> Processing', 'system'],
      ['service-plan.status-changed', 'Service plan Processing -> Cancelled', 'system'],
    ]);
    expect(entries[2].data).toMatchObject({ from: 'Processing', to: 'Cancelled', id: servicePlan.id });
    expect(entries[2].entityUid).toBe('api::service-plan.service-plan');
  });

  test('a change over REST names the signed-in user', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    const response = await http(strapi)
      .put(`/api/invoices/${invoice.documentId}`)
      .set('Authorization', `Bearer ${finance}`)
      .send({ data: { state: 'Uncollectible', closingReason: 'customer moved abroad' } });
    expect(response.status).toBe(200);
    const [, change] = await auditEntries(strapi, invoice.documentId);
    expect(change).toMatchObject({ action: 'invoice.status-changed', actorType: 'user', summary: 'Invoice Open -> Uncollectible' });
    expect(change.changes).toMatchObject({ closingReason: { before: null, after: 'customer moved abroad' } });
    expect(change.actorName).toMatch(/^finance-/);
  });

  test('an update that changes nothing writes no entry', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    const before = await auditCount();
    const response = await http(strapi)
      .put(`/api/service-plans/${servicePlan.documentId}`)
      .set('Authorization', `Bearer ${customerSuccess}`)
      .send({ data: { autoRenew: true, state: 'Pending' } });
    expect(response.status).toBe(200);
    expect(await auditCount()).toBe(before);
  });

  test('a change of another field than the status is audited with its value before and after', async () => {
    const { servicePlan } = await createServicePlan(strapi);
    const response = await http(strapi)
      .put(`/api/service-plans/${servicePlan.documentId}`)
      .set('Authorization', `Bearer ${customerSuccess}`)
      .send({ data: { autoRenew: false, vehicle: 'Blue pickup', state: 'Pending' } });
    expect(response.status).toBe(200);
    const entry = (await auditEntries(strapi, servicePlan.documentId)).at(-1);
    expect(entry).toMatchObject({
      action: 'service-plan.updated',
      entityUid: 'api::service-plan.service-plan',
      fromState: 'Pending',
      toState: 'Pending',
      actorType: 'user',
      changes: { autoRenew: { before: true, after: false }, vehicle: { before: null, after: 'Blue pickup' } },
    });
  });

  test('the entry is written in the same transaction as the change: a rollback removes both', async () => {
    const { invoice } = await createOpenInvoice(strapi);
    await recordPayment(strapi, invoice);
    const before = await auditCount();
    expect(await rejection(
      strapi.db.transaction(async () => {
        await setStatus(strapi, 'api::invoice.invoice', invoice.documentId, 'Paid');
        throw new Error('payment provider said no after all');
      }),
    )).toMatch('payment provider said no');
    const stored = await strapi.db.query('api::invoice.invoice').findOne({ where: { id: invoice.id } });
    expect(stored.state).toBe('Open');
    expect(await auditCount()).toBe(before);
  });

  test('updateMany audits every row it moves', async () => {
    const a = await createServicePlan(strapi);
    const b = await createServicePlan(strapi);
    await strapi.db.query('api::service-plan.service-plan').updateMany({
      where: { id: { $in: [a.servicePlan.id, b.servicePlan.id] } },
      data: { state: 'Processing' },
    });
    for (const { servicePlan } of [a, b]) {
      const entries = await auditEntries(strapi, servicePlan.documentId);
      expect(entries.map((e: any) => e.summary)).toContain('Service plan Pending -> Processing');
    }
  });
});

describe('the audit log is append-only', () => {
  let entry: any;
  let before: number;
  beforeAll(async () => {
    const { servicePlan } = await createServicePlan(strapi);
    [entry] = await auditEntries(strapi, servicePlan.documentId);
  });
  beforeEach(async () => {
    before = await auditCount();
  });
  afterEach(async () => {
    expect(await auditCount()).toBe(before);
    const stored = await strapi.db.query('api::audit-log.audit-log').findOne({ where: { id: entry.id } });
    expect(stored.summary).toBe(entry.summary);
  });

  test.each([
    ['put', { data: { summary: 'nothing happened' } }],
    ['delete', undefined],
    ['post', { data: { action: 'x', entityUid: 'x', summary: 'forged', occurredAt: new Date().toISOString() } }],
  ] as const)('REST %s is not a route, even for Finance', async (method, body) => {
    const url = method === 'post' ? '/api/audit-logs' : `/api/audit-logs/${entry.documentId}`;
    const response = await (http(strapi) as any)[method](url).set('Authorization', `Bearer ${finance}`).send(body);
    expect([404, 405]).toContain(response.status);
  });

  test('the Document Service refuses to update an entry', async () => {
    expect(await rejection(
      strapi.documents('api::audit-log.audit-log').update({ documentId: entry.documentId, data: { summary: 'edited' } as any }),
    )).toMatch('The audit log is append-only');
  });

  test('the Document Service refuses to delete an entry', async () => {
    expect(await rejection(strapi.documents('api::audit-log.audit-log').delete({ documentId: entry.documentId }))).toMatch(
      'append-only',
    );
  });

  test('the query engine refuses update and delete, one or many', async () => {
    const query = strapi.db.query('api::audit-log.audit-log');
    expect(await rejection(query.update({ where: { id: entry.id }, data: { summary: 'x' } }))).toMatch('append-only');
    expect(await rejection(query.updateMany({ where: {}, data: { summary: 'x' } }))).toMatch('append-only');
    expect(await rejection(query.delete({ where: { id: entry.id } }))).toMatch('append-only');
    expect(await rejection(query.deleteMany({ where: {} }))).toMatch('append-only');
  });

  test('the database itself refuses raw SQL updates and deletes', async () => {
    const knex = strapi.db.connection;
    expect(await rejection(knex('audit_logs').where({ id: entry.id }).update({ summary: 'x' }))).toMatch('append-only');
    expect(await rejection(knex('audit_logs').where({ id: entry.id }).update({ to_state: 'Cancelled' }))).toMatch('append-only');
    expect(await rejection(knex('audit_logs').where({ id: entry.id }).del())).toMatch('append-only');
  });
});

describe('entries written before the structured fields', () => {
  test('a status change recorded before entries had structured states gets them at the next start, once', async () => {
    const knex = strapi.db.connection;
    const stamp = strapi.db.dialect.client === 'sqlite' ? Date.now() : new Date();
    const [row] = await knex('audit_logs')
      .insert({
        document_id: 'legacyentry0000000000001',
        action: 'service-plan.status-changed',
        entity_uid: 'api::service-plan.service-plan',
        entity_document_id: 'legacyplan',
        actor_type: 'system',
        summary: 'Service plan Active -> Cancelled',
        data: JSON.stringify({ id: 1, from: 'Active', to: 'Cancelled' }),
        occurred_at: stamp,
        created_at: stamp,
        updated_at: stamp,
      })
      .returning('id');
    const id = typeof row === 'object' ? row.id : row;
    await appModule('setup/database').ensureDatabaseObjects(strapi);
    const legacy = await knex('audit_logs').where({ id }).first();
    expect([legacy.from_state, legacy.to_state]).toEqual(['Active', 'Cancelled']);
    expect(await rejection(knex('audit_logs').where({ id }).update({ to_state: 'Expired' }))).toMatch('append-only');
  });
});
