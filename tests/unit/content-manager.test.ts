import { CONTENT_MANAGER_VIEWS, ContentManagerView, ownedSettings, viewAction } from '../../src/setup/content-manager';

const view: ContentManagerView = {
  kind: 'content-type',
  mainField: 'number',
  sort: { by: 'issuedAt', order: 'DESC' },
  list: ['number', 'state', 'totalMinor'],
  fields: { state: { label: 'State' }, totalMinor: { label: 'Total (minor units)', description: 'Cents.', editable: false } },
};
const attributes = ['number', 'state', 'totalMinor', 'issuedAt', 'legacy'];

/** A stored configuration: Strapi's defaults, with `over` (path -> value) applied. */
const stored = (over: Record<string, unknown> = {}) => {
  const configuration: any = {
    settings: { mainField: 'number', defaultSortBy: 'number', defaultSortOrder: 'ASC', pageSize: 10 },
    layouts: { list: ['number', 'state', 'totalMinor', 'legacy'], edit: [] },
    metadatas: Object.fromEntries(attributes.map((name) => [name, { edit: { label: name, description: '', editable: true, visible: true }, list: { label: name } }])),
  };
  for (const [path, value] of Object.entries(over)) {
    const keys = path.split('.');
    let node = configuration;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    node[keys[keys.length - 1]] = value;
  }
  return configuration;
};

const wanted = ownedSettings(view);
const asWritten = stored(wanted);
const older = { ...wanted, 'metadatas.state.edit.label': 'Status' };

test('a view owns its sort, columns and field texts, path by path', () => {
  expect(wanted).toEqual({
    'settings.mainField': 'number',
    'settings.defaultSortBy': 'issuedAt',
    'settings.defaultSortOrder': 'DESC',
    'layouts.list': ['number', 'state', 'totalMinor'],
    'metadatas.state.edit.label': 'State',
    'metadatas.state.list.label': 'State',
    'metadatas.totalMinor.edit.label': 'Total (minor units)',
    'metadatas.totalMinor.list.label': 'Total (minor units)',
    'metadatas.totalMinor.edit.description': 'Cents.',
    'metadatas.totalMinor.edit.editable': false,
  });
});

test.each([
  ['first start: Strapi defaults, nothing written yet', stored(), null, 'write'],
  ['as the app wrote it', asWritten, wanted, 'none'],
  ['the app wrote it before the record existed', asWritten, null, 'record'],
  ['an admin changed the sort', stored({ ...wanted, 'settings.defaultSortOrder': 'ASC' }), wanted, 'admin'],
  ['an admin renamed a column', stored({ ...wanted, 'metadatas.state.list.label': 'Status' }), wanted, 'admin'],
  ['an admin removed a column', stored({ ...wanted, 'layouts.list': ['number', 'state'] }), wanted, 'admin'],
  ['an admin made a read-only field editable', stored({ ...wanted, 'metadatas.totalMinor.edit.editable': true }), wanted, 'admin'],
  ['the app changed a label, the stored view is still its own', stored(older), older, 'write'],
  ['the app changed a label, but an admin changed the view', stored({ ...older, 'settings.pageSize': 50, 'settings.defaultSortBy': 'number' }), older, 'admin'],
  ['an admin changed a setting the app does not own', stored({ ...wanted, 'settings.pageSize': 50 }), wanted, 'none'],
])('%s', (_what, configuration, written, expected) => {
  expect(viewAction({ stored: configuration, written, wanted, attributes })).toBe(expected);
});

test("a field the schema dropped (and Strapi's sync with it) is not an admin's change", () => {
  const written = { ...wanted, 'layouts.list': ['number', 'gone', 'state', 'totalMinor'], 'metadatas.gone.edit.label': 'Gone', 'settings.defaultSortBy': 'gone' };
  // Strapi removed `gone` from the list and its metadata, and reset the sort to the main field.
  const synced = stored({ ...wanted, 'settings.defaultSortBy': 'number' });
  expect(viewAction({ stored: synced, written, wanted, attributes })).toBe('write');
});

test('every list column of the shipped views has a label; invoices, audit log and service plans as asked', () => {
  for (const [uid, shipped] of Object.entries(CONTENT_MANAGER_VIEWS)) {
    const list = shipped.list ?? [];
    expect({ uid, unlabelled: list.filter((field) => !['createdAt', 'updatedAt'].includes(field) && !(field in shipped.fields)) }).toEqual({ uid, unlabelled: [] });
  }
  expect(CONTENT_MANAGER_VIEWS['api::invoice.invoice']).toMatchObject({ sort: { by: 'issuedAt', order: 'DESC' }, list: ['number', 'customer', 'state', 'totalMinor', 'dueDate', 'paidAt'] });
  expect(CONTENT_MANAGER_VIEWS['api::audit-log.audit-log']).toMatchObject({ sort: { by: 'occurredAt', order: 'DESC' }, list: ['occurredAt', 'entityUid', 'action', 'actorName', 'summary'] });
  expect(CONTENT_MANAGER_VIEWS['api::service-plan.service-plan'].list).toEqual(['customer', 'plan', 'state', 'endDate', 'autoRenew']);
  expect(CONTENT_MANAGER_VIEWS['api::service-plan.service-plan'].fields.addOnCodes.editable).toBe(false);
});
