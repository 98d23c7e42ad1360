import type { Core } from '@strapi/strapi';
import { isDeepStrictEqual } from 'node:util';
import { ALLOWED_TERMS_MONTHS } from '../domain';

/**
 * How the content manager shows the billing types: list columns and default sort, labels and
 * descriptions in the edit views, and which fields a person may not type into (JSON, and what
 * only the process writes). Strapi's own content-manager services store it, as if an admin had
 * configured the views (core store, `plugin_content_manager_configuration_<kind>::<uid>`).
 *
 * Set at every start, without overwriting an admin: what the app last wrote (only the settings it
 * owns, path by path) is kept in the core store. A view whose owned settings still hold what the
 * app wrote is the app's own, and is brought up to date when these views change; a view an admin
 * has changed since (any owned setting differs) is theirs and left alone.
 */

/** How one field reads in the edit view (and as a list column). */
interface FieldView {
  label: string;
  description?: string;
  /** false: shown but cannot be changed here (the process or an integration writes it). */
  editable?: boolean;
  /** false: not shown in the edit view. */
  visible?: boolean;
}

export interface ContentManagerView {
  kind: 'content-type' | 'component';
  /** The field that names a record (edit-view title, relation pickers). */
  mainField?: string;
  sort?: { by: string; order: 'ASC' | 'DESC' };
  /** List columns, in order. */
  list?: readonly string[];
  fields: Record<string, FieldView>;
}

// Money fields are typed and shown in their record's currency (the money plugin's custom field),
// stored as integer minor units.
const IN_CURRENCY = "In the invoice's currency.";
const SET_BY_PROCESS = 'Set by the purchase and renewal process.';

export const CONTENT_MANAGER_VIEWS: Record<string, ContentManagerView> = {
  'api::invoice.invoice': {
    kind: 'content-type',
    mainField: 'number',
    sort: { by: 'issuedAt', order: 'DESC' },
    list: ['number', 'customer', 'state', 'totalMinor', 'dueDate', 'paidAt'],
    fields: {
      number: { label: 'Number', description: 'Given when the invoice is issued; it never changes.', editable: false },
      customer: { label: 'Customer', editable: false },
      servicePlan: { label: 'Service plan', editable: false },
      kind: { label: 'Kind', description: 'A new plan, or the renewal of one.', editable: false },
      state: { label: 'State', description: 'Open until paid. An Open invoice may be voided or written off (Uncollectible); a Paid one only refunded.' },
      currency: { label: 'Currency', description: 'Every amount of the invoice is in this currency.', editable: false },
      lines: { label: 'Lines', description: 'Plan, add-ons and tax, as issued; they add up to the total.', editable: false },
      subtotalMinor: { label: 'Subtotal', description: `Before tax. ${IN_CURRENCY}`, editable: false },
      taxMinor: { label: 'Tax', description: IN_CURRENCY, editable: false },
      totalMinor: { label: 'Total', description: `Subtotal plus tax: what the customer pays. ${IN_CURRENCY}`, editable: false },
      periodStart: { label: 'Period start', description: 'The first day this invoice pays for.', editable: false },
      periodEnd: { label: 'Period end', description: 'The first day after the period: it covers every day before this one.', editable: false },
      issuedAt: { label: 'Issued at', editable: false },
      dueDate: { label: 'Due date' },
      paidAt: { label: 'Paid at', description: 'When the payment was recorded.', editable: false },
      paymentUrl: { label: 'Payment link', description: 'The Stripe Checkout link sent to the customer.', editable: false },
      paymentAttempts: { label: 'Card charge attempts', editable: false },
      nextPaymentAttemptAt: { label: 'Next charge attempt', editable: false },
      paymentRequest: { label: 'Payment request', description: 'pending: the payment link is still to be sent; requested: it was sent.', editable: false },
      paymentRequestedAt: { label: 'Payment requested at', editable: false },
      transactions: { label: 'Payments', editable: false },
    },
  },
  'api::audit-log.audit-log': {
    kind: 'content-type',
    mainField: 'summary',
    sort: { by: 'occurredAt', order: 'DESC' },
    list: ['occurredAt', 'entityUid', 'action', 'actorName', 'summary'],
    fields: {
      occurredAt: { label: 'Time', editable: false },
      entityUid: { label: 'Entity', description: 'The type of record changed.', editable: false },
      entityDocumentId: { label: 'Entity id', description: 'The document id of the record changed.', editable: false },
      action: { label: 'Action', editable: false },
      fromState: { label: 'From state', editable: false },
      toState: { label: 'To state', editable: false },
      actorType: { label: 'Actor type', editable: false },
      actorId: { label: 'Actor id', editable: false },
      actorName: { label: 'Actor', editable: false },
      summary: { label: 'Summary', editable: false },
      changes: { label: 'Changes', description: 'Each field changed, before and after. The audit log is never edited.', editable: false },
      data: { label: 'Details', description: 'What the action recorded beside the change.', editable: false },
    },
  },
  'api::service-plan.service-plan': {
    kind: 'content-type',
    mainField: 'vehicle',
    sort: { by: 'createdAt', order: 'DESC' },
    list: ['customer', 'plan', 'state', 'endDate', 'autoRenew'],
    fields: {
      customer: { label: 'Customer', editable: false },
      plan: { label: 'Plan', editable: false },
      state: { label: 'State', description: 'Moved by purchases, renewals and expiry; only allowed changes are accepted (cancelling, for one).' },
      vehicle: { label: 'Vehicle' },
      startDate: { label: 'Paid from', description: 'The first day of the periods paid for.', editable: false },
      endDate: { label: 'Paid until', description: 'The first day not paid for: the plan is covered every day before it.', editable: false },
      currentPeriodStart: { label: 'Current period start', editable: false },
      currentPeriodEnd: { label: 'Current period end', description: 'The first day after the current period.', editable: false },
      autoRenew: { label: 'Auto-renew', description: 'Renew before the paid period ends (saved card, or a payment link by email).' },
      addOnCodes: { label: 'Add-ons', description: 'Codes of the add-ons chosen at purchase; they change with a new purchase, not here.', editable: false },
      paymentMethod: { label: 'Payment method', description: 'stripe: card or payment link; manual: paid at the counter.' },
      renewalCount: { label: 'Renewals', description: SET_BY_PROCESS, editable: false },
      recurringMinor: { label: 'Recurring per term', description: "Price plus recurring add-ons, without tax, in the plan's currency: MRR counts it divided by the term.", editable: false },
      invoices: { label: 'Invoices', editable: false },
    },
  },
  'api::customer.customer': {
    kind: 'content-type',
    mainField: 'name',
    sort: { by: 'name', order: 'ASC' },
    list: ['name', 'email', 'phone', 'servicePlans'],
    fields: {
      name: { label: 'Name' },
      email: { label: 'Email', description: 'Receipts, payment links and reminders go here.' },
      phone: { label: 'Phone' },
      stripeCustomerId: { label: 'Stripe customer', description: 'Set by the Stripe integration.', editable: false },
      stripePaymentMethodId: { label: 'Saved card (Stripe)', description: 'Set by the Stripe integration.', editable: false },
      user: { label: 'Portal account' },
      servicePlans: { label: 'Service plans', editable: false },
      invoices: { label: 'Invoices', editable: false },
    },
  },
  'api::plan.plan': {
    kind: 'content-type',
    mainField: 'name',
    sort: { by: 'code', order: 'ASC' },
    list: ['code', 'name', 'priceMinor', 'termMonths', 'active'],
    fields: {
      code: { label: 'Code', description: 'How purchases and the API name the plan.' },
      name: { label: 'Name' },
      description: { label: 'Description' },
      priceMinor: { label: 'Price per term', description: "Before tax, in the plan's currency." },
      currency: { label: 'Currency', description: 'ISO 4217 code, such as USD.' },
      termMonths: { label: 'Term (months)', description: `One of ${ALLOWED_TERMS_MONTHS.join(', ')}.` },
      taxRateBps: { label: 'Tax rate (basis points)', description: '825 is 8.25 %.' },
      addOns: { label: 'Add-ons' },
      active: { label: 'On sale', description: 'Switch off to retire the plan; service plans already sold keep it.' },
      servicePlans: { label: 'Service plans', editable: false },
    },
  },
  'api::transaction.transaction': {
    kind: 'content-type',
    mainField: 'providerReference',
    sort: { by: 'occurredAt', order: 'DESC' },
    list: ['occurredAt', 'invoice', 'state', 'amountMinor', 'provider', 'providerReference'],
    fields: {
      invoice: { label: 'Invoice', editable: false },
      amountMinor: { label: 'Amount', description: "In the payment's currency.", editable: false },
      currency: { label: 'Currency', editable: false },
      state: { label: 'State' },
      provider: { label: 'Provider', editable: false },
      providerReference: { label: 'Reference', description: "Stripe's payment id, or the counter receipt's reference.", editable: false },
      failureReason: { label: 'Failure reason', editable: false },
      refundedAt: { label: 'Refunded at', editable: false },
      occurredAt: { label: 'Time', editable: false },
    },
  },
  'billing.invoice-line': {
    kind: 'component',
    fields: {
      kind: { label: 'Kind' },
      code: { label: 'Code' },
      description: { label: 'Description' },
      amountMinor: { label: 'Amount', description: IN_CURRENCY },
      taxRateBps: { label: 'Tax rate (basis points)', description: '825 is 8.25 %.' },
    },
  },
  'catalog.add-on': {
    kind: 'component',
    fields: {
      code: { label: 'Code' },
      name: { label: 'Name' },
      feeMinor: { label: 'Fee', description: "Before tax, in the plan's currency." },
      taxable: { label: 'Taxable' },
      billing: { label: 'Billing', description: 'recurring: charged every term; one-time: with the first invoice only.' },
    },
  },
};

/** The settings a view owns, path by path ("settings.defaultSortBy", "metadatas.state.edit.label"). */
export type OwnedSettings = Record<string, unknown>;

export const ownedSettings = (view: ContentManagerView): OwnedSettings => {
  const owned: OwnedSettings = {};
  if (view.mainField) owned['settings.mainField'] = view.mainField;
  if (view.sort) {
    owned['settings.defaultSortBy'] = view.sort.by;
    owned['settings.defaultSortOrder'] = view.sort.order;
  }
  if (view.list) owned['layouts.list'] = [...view.list];
  for (const [name, field] of Object.entries(view.fields)) {
    owned[`metadatas.${name}.edit.label`] = field.label;
    owned[`metadatas.${name}.list.label`] = field.label;
    if (field.description !== undefined) owned[`metadatas.${name}.edit.description`] = field.description;
    if (field.editable !== undefined) owned[`metadatas.${name}.edit.editable`] = field.editable;
    if (field.visible !== undefined) owned[`metadatas.${name}.edit.visible`] = field.visible;
  }
  return owned;
};

const read = (configuration: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), configuration);

/** The owned settings as the stored configuration holds them now. */
export const currentSettings = (configuration: unknown, paths: readonly string[]): OwnedSettings =>
  Object.fromEntries(paths.map((path) => [path, read(configuration, path)]));

/**
 * What to do with a stored view: `write` the app's settings (first start, or the app's views
 * changed while the stored one is still the app's own), `record` that the stored view already
 * holds them, `none` when it holds them as recorded, or leave an `admin`'s changes alone.
 * `attributes` are the type's current fields: a setting about a field the schema no longer has
 * (Strapi's sync drops it) is not an admin's change.
 */
export const viewAction = (input: {
  stored: unknown;
  written: OwnedSettings | null;
  wanted: OwnedSettings;
  attributes: readonly string[];
}): 'write' | 'record' | 'admin' | 'none' => {
  const exists = (field: unknown) => typeof field === 'string' && input.attributes.includes(field);
  if (input.written) {
    const changedByAdmin = Object.entries(input.written).some(([path, value]) => {
      const field = path.split('.')[1];
      if (path.startsWith('metadatas.') && !exists(field)) return false;
      if ((path === 'settings.mainField' || path === 'settings.defaultSortBy') && !exists(value)) return false;
      const expected = path === 'layouts.list' && Array.isArray(value) ? value.filter(exists) : value;
      return !isDeepStrictEqual(read(input.stored, path), expected);
    });
    if (changedByAdmin) return 'admin';
  }
  if (!isDeepStrictEqual(currentSettings(input.stored, Object.keys(input.wanted)), input.wanted)) return 'write';
  return isDeepStrictEqual(input.written, input.wanted) ? 'none' : 'record';
};

/** A view that names a field its type does not have is a mistake in this file: refuse to start. */
const checkView = (uid: string, view: ContentManagerView, attributes: Record<string, { type: string }>) => {
  const problems: string[] = [];
  const missing = (field: string) => !(field in attributes) && !['id', 'documentId', 'createdAt', 'updatedAt'].includes(field);
  for (const field of [...(view.list ?? []), ...Object.keys(view.fields), view.mainField, view.sort?.by]) {
    if (field && missing(field)) problems.push(`${field} is not a field of ${uid}`);
  }
  for (const field of view.list ?? []) {
    if (['json', 'password', 'richtext', 'dynamiczone', 'blocks'].includes(attributes[field]?.type)) problems.push(`${field} (${attributes[field].type}) cannot be a list column of ${uid}`);
  }
  if (problems.length) throw new Error(`Content-manager views: ${problems.join('; ')}`);
};

const RECORD = { type: 'app', name: 'content-manager-views' } as const;

/** A content manager configuration, nested settings as the content manager stores them. */
type SettingsTree = { [key: string]: unknown };

interface ConfigurationService {
  findConfiguration(model: { uid: string }): Promise<{ settings?: SettingsTree; metadatas?: SettingsTree; layouts?: SettingsTree }>;
  updateConfiguration(model: { uid: string }, configuration: Record<string, unknown>): Promise<unknown>;
}

/** Applies CONTENT_MANAGER_VIEWS at bootstrap, after the content manager has synced its views. */
export const configureContentManager = async (strapi: Core.Strapi, views: Record<string, ContentManagerView> = CONTENT_MANAGER_VIEWS): Promise<void> => {
  const contentManager = strapi.plugin('content-manager');
  const store = strapi.store(RECORD);
  for (const [uid, view] of Object.entries(views)) {
    const service: ConfigurationService = contentManager.service(view.kind === 'component' ? 'components' : 'content-types');
    const schema = strapi.getModel(uid as Parameters<Core.Strapi['getModel']>[0]) as { modelType: string; attributes: Record<string, { type: string }> } | undefined;
    if (!schema || (schema.modelType === 'component') !== (view.kind === 'component')) throw new Error(`Content-manager views: ${uid} is not a ${view.kind} of this application`);
    checkView(uid, view, schema.attributes);

    const model = { uid };
    const stored = await service.findConfiguration(model);
    const recorded = (await store.get({ key: uid })) as { written?: OwnedSettings } | null;
    const wanted = ownedSettings(view);
    const action = viewAction({ stored, written: recorded?.written ?? null, wanted, attributes: Object.keys(schema.attributes) });
    if (action === 'admin') {
      strapi.log.debug(`Content manager: the view of ${uid} was changed in the admin panel; kept as it is`);
      continue;
    }
    if (action === 'write') {
      const next = { settings: structuredClone(stored.settings ?? {}), metadatas: structuredClone(stored.metadatas ?? {}), layouts: structuredClone(stored.layouts ?? {}) };
      for (const [path, value] of Object.entries(wanted)) {
        const keys = path.split('.');
        let node: SettingsTree = next;
        for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as SettingsTree;
        node[keys[keys.length - 1]] = value;
      }
      await service.updateConfiguration(model, next);
    }
    if (action !== 'none') await store.set({ key: uid, value: { written: wanted } });
  }
};
