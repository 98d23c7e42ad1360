import type { Core } from '@strapi/strapi';
import registryService, { ProcessHandlers } from '../../src/plugins/workflows/server/src/services/registry';
import { getService } from '../../src/plugins/workflows/server/src/utils';
import bootstrap from '../../src/plugins/workflows/server/src/bootstrap';
import { WorkflowDefinitionError } from '../../src/plugins/workflows/server/src/domain';
import { REVIEW } from './fixtures';

const effect = async () => ({ outcome: 'done' });
const handlers = (): ProcessHandlers => ({
  effects: Object.fromEntries(['collect', 'route', 'fact-check', 'publish', 'tell-author', 'mark-refused', 'tell-refusal', 'clean-up'].map((id) => [id, effect])),
  conditions: { 'has-claims': () => true, 'has-phone': () => false },
});

/** Only what the registry and its bootstrap touch. */
const fakeStrapi = () => {
  const registry = registryService({ strapi: {} as Core.Strapi });
  const info = jest.fn();
  // The bootstrap also makes sure the number counters exist, registers the engine's admin actions and grants the read one.
  const access = { registerActions: jest.fn(async () => undefined), grantRunReading: jest.fn(async () => []) };
  const numbers = { ensureTable: jest.fn(async () => undefined) };
  const services: Record<string, unknown> = { registry, access, numbers };
  const strapi = { plugin: (name: string) => (name === 'workflows' ? { service: (service: string) => services[service] } : undefined), log: { info } } as unknown as Core.Strapi;
  return { strapi, registry, info, access, numbers };
};

test('keeps a valid definition, frozen as it was validated', () => {
  const { registry } = fakeStrapi();
  const registered = registry.register(REVIEW, handlers());
  expect(registry.get('article-review')).toBe(registered);
  expect(registered.definition).toEqual(REVIEW);
  expect(registered.definition).not.toBe(REVIEW);
  expect(Object.isFrozen(registered.definition.steps[3])).toBe(true);
  expect(registry.list().map((w) => w.definition.id)).toEqual(['article-review']);
});

test('a bad definition is refused, naming the process and every problem', () => {
  const { registry } = fakeStrapi();
  const broken = { ...REVIEW, version: 0, rejectBranch: ['apologise'] };
  expect(() => registry.register(broken, handlers())).toThrow(WorkflowDefinitionError);
  expect(() => registry.register(broken, handlers())).toThrow('Workflow definition "article-review" (version 0) is invalid:\n- version: must be a positive integer');
  expect(registry.list()).toEqual([]);
});

test.each([
  ['an automatic step without its effect', { ...handlers(), effects: { ...handlers().effects, publish: undefined as never } }, 'step publish: the process provides no effect for this automatic step'],
  ['a decision without its effect', { ...handlers(), effects: { ...handlers().effects, route: undefined as never } }, 'step route: the process provides no effect for this decision step'],
  ['a notice without its effect', { ...handlers(), effects: { ...handlers().effects, 'tell-author': undefined as never } }, 'step tell-author: the process provides no effect for this notify step'],
  ['a condition not provided', { ...handlers(), conditions: { 'has-claims': () => true } }, 'step tell-refusal: its condition has-phone is not provided'],
  ['an effect for no step', { ...handlers(), effects: { ...handlers().effects, print: effect } }, 'effect print: there is no such step'],
])('the handlers must match the definition: %s', (_name, given, problem) => {
  const { registry } = fakeStrapi();
  expect(() => registry.register(REVIEW, given)).toThrow(problem);
});

test('keeps each version; a run asks for its own', () => {
  const { registry } = fakeStrapi();
  registry.register(REVIEW, handlers());
  registry.register({ ...REVIEW, version: 2, name: 'Article review, second edition' }, handlers());
  expect(registry.get('article-review').definition.version).toBe(2);
  expect(registry.get('article-review', 1).definition.name).toBe('Article review');
  expect(registry.list()).toHaveLength(1);
  expect(() => registry.register(REVIEW, handlers())).toThrow('Workflow article-review version 1 is already registered');
  expect(() => registry.get('article-review', 3)).toThrow('Workflow article-review has no version 3 (registered: 1, 2)');
  expect(() => registry.get('leave-request')).toThrow('No workflow leave-request is registered (registered: article-review)');
});

test('once Strapi has started, the list is closed (and logged)', async () => {
  const { strapi, registry, info, access, numbers } = fakeStrapi();
  registry.register(REVIEW, handlers());
  await bootstrap({ strapi });
  expect(info).toHaveBeenCalledWith('Workflows registered: article-review v1');
  expect(access.registerActions).toHaveBeenCalledTimes(1);
  expect(numbers.ensureTable).toHaveBeenCalledTimes(1);
  expect(access.grantRunReading).toHaveBeenCalledTimes(1);
  expect(() => registry.register({ ...REVIEW, version: 2 }, handlers())).toThrow("Workflow article-review is registered too late: register it from the plugin's register(), before Strapi starts");
});

test('getService says so when the plugin is not enabled', () => {
  const strapi = { plugin: () => undefined } as unknown as Core.Strapi;
  expect(() => getService(strapi, 'registry')).toThrow('The workflows plugin is not enabled: enable it in config/plugins.ts, before the process plugins');
});
