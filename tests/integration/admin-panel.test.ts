import type { Core } from '@strapi/strapi';
import { http, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { auditEntries, createServicePlan } from '../harness/fixtures';

/**
 * The admin panel's content manager writes through the same guards as REST and code: an
 * administrator cannot make an illegal transition or touch the audit log either, and their
 * changes are audited under their name.
 */
let strapi: Core.Strapi;
let token: string;

beforeAll(async () => {
  strapi = await startStrapi();
  const response = await http(strapi)
    .post('/admin/register-admin')
    .send({ firstname: 'Ada', lastname: 'Admin', email: 'ada@shop.test', password: 'Str0ng-Passw0rd!' });
  expect(response.status).toBe(200);
  token = response.body.data.token;
});
afterAll(() => stopStrapi(strapi));

const contentManager = (uid: string, documentId: string) =>
  `/content-manager/collection-types/${uid}/${documentId}`;

test('an illegal transition from the content manager is a 400 and writes nothing', async () => {
  const { servicePlan } = await createServicePlan(strapi);
  const before = await snapshot(strapi);
  const response = await http(strapi)
    .put(contentManager('api::service-plan.service-plan', servicePlan.documentId))
    .set('Authorization', `Bearer ${token}`)
    .send({ state: 'Expired' });
  expect(response.status).toBe(400);
  expect(response.body.error.message).toMatch('cannot go from Pending to Expired');
  expect(await snapshot(strapi)).toEqual(before);
});

test('a legal change from the content manager is audited under the administrator', async () => {
  const { servicePlan } = await createServicePlan(strapi);
  const response = await http(strapi)
    .put(contentManager('api::service-plan.service-plan', servicePlan.documentId))
    .set('Authorization', `Bearer ${token}`)
    .send({ state: 'Cancelled' });
  expect(response.status).toBe(200);
  const entries = await auditEntries(strapi, servicePlan.documentId);
  expect(entries.at(-1)).toMatchObject({ actorType: 'admin', actorName: 'Ada Admin', summary: 'Service plan Pending -> Cancelled' });
});

test('the content manager can neither edit nor delete an audit entry (403, nothing written)', async () => {
  const { servicePlan } = await createServicePlan(strapi);
  const [entry] = await auditEntries(strapi, servicePlan.documentId);
  const before = await snapshot(strapi);
  const edit = await http(strapi)
    .put(contentManager('api::audit-log.audit-log', entry.documentId))
    .set('Authorization', `Bearer ${token}`)
    .send({ summary: 'nothing to see' });
  const removal = await http(strapi)
    .delete(contentManager('api::audit-log.audit-log', entry.documentId))
    .set('Authorization', `Bearer ${token}`);
  expect(edit.status).toBe(403);
  expect(removal.status).toBe(403);

  expect(await snapshot(strapi)).toEqual(before);
});
