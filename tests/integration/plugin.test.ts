import type { Core } from '@strapi/strapi';
import { startStrapi, stopStrapi } from '../harness/strapi';

/** Strapi silently skips a plugin it cannot load: prove plan-renewals is really there. */
let strapi: Core.Strapi;

beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

test('the plan-renewals plugin is loaded from its compiled TypeScript', () => {
  const plugin = strapi.plugin('plan-renewals');
  expect(plugin).toBeDefined();
  expect(Object.keys(strapi.plugins)).toContain('plan-renewals');
});
