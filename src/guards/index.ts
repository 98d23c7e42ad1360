import type { Core, Modules, UID } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { TransitionError, amountProblem, assertInitial, assertTransition, currencyProblem } from '../domain';
import { currentEditor } from './actor';
import { AUDIT_LOG_UID, AuditEntry, FieldChange, isAuditWriter, writeAudit } from './audit';
import { Attributes, SYSTEM_FIELDS, differs, editedFields, shown } from './changes';
import { policyRefusal, withArticle } from './policy';
import { GUARD_RULES, GuardRule, normalizeCustomer } from './rules';

/**
 * Every write of a billing record goes through these hooks, whichever way it comes: REST, the
 * admin panel's content manager, or code using the Document Service or the query engine.
 *
 * - A Document Service middleware applies the write policy (src/guards/policy.ts) to editors
 *   outside the application — a staff role or API token over REST, an administrator in the
 *   content manager — before anything is read into a transaction or written.
 * - Database lifecycle hooks apply the rules of src/guards/rules.ts to every write, the
 *   application's own included. A refused write throws a Strapi ValidationError (HTTP 400) before
 *   anything is stored; a problem only visible once components are attached (invoice lines)
 *   throws after the write, inside the Document Service's transaction, which rolls it back.
 * - Every creation and every change of a billing record is audited in that same transaction with
 *   each changed field's value before and after, so a change and its audit entry are committed
 *   together or not at all. Audit entries are written by `writeAudit` only: any other creation,
 *   change or deletion of one is refused, whoever asks.
 */

type Row = Record<string, any>;
/** A database lifecycle event, as Strapi's database layer types it (its params and result are untyped there). */
type LifecycleEvent = Parameters<Extract<Parameters<Core.Strapi['db']['lifecycles']['subscribe']>[0], (event: never) => unknown>>[0];
/** A record as it stood before an update, with the relations the update touches. */
interface Before {
  row: Row;
  fields: string[];
}
interface GuardState {
  before?: Before[];
  /** Rows an updateMany touches, checked again once written. */
  ids?: number[];
  /** The values an updateMany writes. */
  data?: Row;
}

const refuse = (message: string, details?: Record<string, unknown>): never => {
  throw new errors.ValidationError(message, details);
};

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const checkScalars = (rule: GuardRule, data: Row): void => {
  for (const field of rule.moneyFields ?? []) {
    if (data[field] === undefined) continue;
    const problem = amountProblem(data[field]);
    if (problem) refuse(`${capitalized(rule.label)} ${field} ${problem}`, { field });
  }
  if (rule.currencyField && data[rule.currencyField] !== undefined) {
    const value = data[rule.currencyField];
    if (typeof value === 'string') data[rule.currencyField] = value.trim().toUpperCase();
    const problem = currencyProblem(data[rule.currencyField]);
    if (problem) refuse(`${capitalized(rule.label)} currency ${problem}`, { field: rule.currencyField });
  }
  const problem = rule.checkInput?.(data);
  if (problem) refuse(`${capitalized(rule.label)} ${problem}`);
};

const checkUnique = async (strapi: Core.Strapi, uid: string, rule: GuardRule, data: Row, id?: number) => {
  for (const group of rule.uniqueFields ?? []) {
    const fields = typeof group === 'string' ? [group] : group;
    if (fields.some((field) => data[field] == null)) continue;
    const where: Row = Object.fromEntries(fields.map((field) => [field, data[field]]));
    if (id !== undefined) where.id = { $ne: id };
    if (await strapi.db.query(uid).findOne({ where, select: ['id'] })) {
      const described = fields.map((field) => `${field} ${data[field]}`).join(' and ');
      refuse(`A ${rule.label} with ${described} already exists`, { fields });
    }
  }
};

const checkTransition = (rule: GuardRule, from: string | null, to: string): void => {
  try {
    if (from === null) assertInitial(rule.machine!, to);
    else assertTransition(rule.machine!, from, to);
  } catch (error) {
    if (error instanceof TransitionError) refuse(error.message, { from: error.from, to: error.to });
    throw error;
  }
};

const changed = (current: Row, data: Row, field: string) =>
  data[field] !== undefined && current[field] !== undefined && String(data[field]) !== String(current[field]);

const checkUpdate = (rule: GuardRule, current: Row, data: Row): void => {
  for (const field of rule.immutableFields ?? []) {
    if (changed(current, data, field)) {
      refuse(`The ${field} of ${rule.label} ${current.documentId} cannot change once recorded`, { field });
    }
  }
  const frozen = rule.frozenUnless;
  if (frozen && current.state !== frozen.state) {
    const field = frozen.fields.find((f) => changed(current, data, f));
    if (field) {
      refuse(`${capitalized(rule.label)} ${current.documentId} is ${current.state}: its ${field} can no longer change`, { field });
    }
  }
};

const checkStored = async (strapi: Core.Strapi, uid: string, rule: GuardRule, id: number): Promise<void> => {
  if (!rule.checkStored) return;
  const row = await strapi.db.query(uid).findOne({ where: { id }, populate: rule.populate });
  const problem = row && rule.checkStored(row);
  if (problem) refuse(`${capitalized(rule.label)} ${problem}`);
};

const refuseAuditChange = (): never => {
  throw new errors.ForbiddenError('The audit log is append-only: entries cannot be changed or deleted');
};

const refuseAuditCreation = (): never => {
  throw new errors.ForbiddenError('Audit entries are written by the application only: they cannot be created by hand');
};

const refuseDeletion = (rule: GuardRule): never =>
  refuse(`A ${rule.label} cannot be deleted` + (rule.deletionAdvice ? `: ${rule.deletionAdvice}` : ''));

const checkDeletion = async (strapi: Core.Strapi, uid: string, rule: GuardRule, where: unknown): Promise<void> => {
  if (rule.deletion === 'never') refuseDeletion(rule);
  const rows: Row[] = await strapi.db.query(uid).findMany({ where, select: ['id', 'documentId'] });
  for (const row of rows) {
    for (const reference of rule.references ?? []) {
      const count = await strapi.db.query(reference.uid).count({ where: { [reference.field]: { id: row.id } } });
      if (count > 0) {
        refuse(
          `${capitalized(rule.label)} ${row.documentId} cannot be deleted: ${count} ${reference.label} refer to it` +
            (rule.deletionAdvice ? ` (${rule.deletionAdvice})` : ''),
        );
      }
    }
  }
};

const attributesOf = (strapi: Core.Strapi, uid: string): Attributes => (strapi.getModel(uid as UID.Schema)?.attributes ?? {}) as Attributes;

const isRelation = (attributes: Attributes, field: string) => attributes[field]?.type === 'relation';

/** The document's relations among `fields`, each as its documentId(s), for comparing before and after. */
const relationsOf = async (strapi: Core.Strapi, uid: string, id: number, fields: string[]): Promise<Row> => {
  if (fields.length === 0) return {};
  type Related = { id: number; documentId: string };
  const populate = Object.fromEntries(fields.map((field) => [field, { select: ['id', 'documentId'] }]));
  const row: Row | null = await strapi.db.query(uid).findOne({ where: { id }, select: ['id'], populate });
  const ids = (value: Related | Related[] | null | undefined) => (Array.isArray(value) ? value.map((v) => v.documentId).sort() : value?.documentId ?? null);
  return Object.fromEntries(fields.map((field) => [field, ids(row?.[field])]));
};

/** Each audited field whose stored value differs between `before` and `after`. */
const fieldChanges = (attributes: Attributes, rule: GuardRule, fields: string[], before: Row, after: Row) => {
  const changes: Record<string, FieldChange> = {};
  for (const field of fields) {
    const attribute = attributes[field];
    if (!attribute || SYSTEM_FIELDS.has(field) || rule.unaudited?.includes(field)) continue;
    if (attribute.type === 'component' || attribute.type === 'dynamiczone') continue;
    const changed = isRelation(attributes, field)
      ? JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null)
      : differs(attribute, after[field], before[field]);
    if (changed) changes[field] = { before: shown(attribute, before[field]), after: shown(attribute, after[field]) };
  }
  return changes;
};

const entityName = (uid: string) => uid.split('.').pop()!;

/**
 * The audit entry of a record's creation, as the guards write it in the creating transaction (a
 * bulk writer of guarded records writes the same entry with `writeAudit`'s attributes).
 */
export const creationEntry = (uid: string, row: { id: number; documentId: string; state?: string }): AuditEntry => {
  const rule = GUARD_RULES[uid];
  return {
    action: `${entityName(uid)}.created`,
    entityUid: uid,
    entityDocumentId: row.documentId,
    toState: rule.machine ? row.state : null,
    summary: rule.machine ? `${capitalized(rule.label)} created as ${row.state}` : `${capitalized(rule.label)} created`,
    data: { id: row.id, from: null, to: rule.machine ? row.state : null },
  };
};

/** The audit entry of a change: its status move, if any, and every changed field before and after. */
export const changeEntry = (uid: string, before: Row, after: Row, changes: Record<string, FieldChange>): AuditEntry => {
  const rule = GUARD_RULES[uid];
  const moved = rule.machine && changes.state !== undefined;
  const others = Object.keys(changes).filter((field) => field !== 'state');
  return {
    action: `${entityName(uid)}.${moved ? 'status-changed' : 'updated'}`,
    entityUid: uid,
    entityDocumentId: before.documentId,
    fromState: rule.machine ? before.state : null,
    toState: rule.machine ? after.state : null,
    changes,
    summary: moved
      ? `${capitalized(rule.label)} ${before.state} -> ${after.state}`
      : `${capitalized(rule.label)} ${others.join(', ')} changed`,
    data: { id: before.id, ...(moved ? { from: before.state, to: after.state } : {}), changes },
  };
};

/** Each audited field of `fields` whose value differs between `before` and `after`, as the guards record it. */
export const auditedChanges = (strapi: Core.Strapi, uid: string, fields: string[], before: Row, after: Row) =>
  fieldChanges(attributesOf(strapi, uid), GUARD_RULES[uid], fields, before, after);

const auditCreation = (strapi: Core.Strapi, uid: string, row: Row) => writeAudit(strapi, creationEntry(uid, row as { id: number; documentId: string; state?: string }));

const auditChange = async (strapi: Core.Strapi, uid: string, before: Row, after: Row, changes: Record<string, FieldChange>) => {
  if (Object.keys(changes).length === 0) return;
  await writeAudit(strapi, changeEntry(uid, before, after, changes));
};

/**
 * A check a process adds to the edits people make from outside it (a REST route, the content
 * manager) of one content type: it throws (a ConflictError, say) to refuse an edit its work forbids
 * now, such as a state changed by hand while one of its runs is moving that record.
 */
export type EditCheck = (stored: Record<string, unknown>, fields: Record<string, unknown>) => Promise<void> | void;
const EDIT_CHECKS = new Map<string, EditCheck[]>();

/** Registers an edit check for `uid` (a process plugin's register()). */
export const addEditCheck = (uid: string, check: EditCheck): void => {
  EDIT_CHECKS.set(uid, [...(EDIT_CHECKS.get(uid) ?? []), check]);
};

/**
 * The write policy, for an editor outside the application: the fields a create sets, or an
 * update changes compared with the stored document, must all be the editor's to write.
 */
const checkPolicy = async (strapi: Core.Strapi, uid: string, editor: string, action: 'create' | 'update', params: Row) => {
  const rule = GUARD_RULES[uid];
  const attributes = attributesOf(strapi, uid);
  const data: Row = params.data ?? {};
  let stored: Row | undefined;
  if (action === 'update') {
    const populate = Object.keys(data).filter((f) => ['relation', 'component', 'dynamiczone'].includes(attributes[f]?.type));
    stored = (await strapi.documents(uid as UID.ContentType).findOne({ documentId: params.documentId, populate: populate as Modules.Documents.Params.Populate.Any<UID.ContentType> })) ?? undefined;
    if (!stored) return; // the Document Service answers "not found"
  }
  const fields = editedFields(attributes, data, stored);
  if (stored && rule.machine && fields.state !== undefined) checkTransition(rule, stored.state, String(fields.state));
  const refusal = policyRefusal(uid, rule.label, editor, action, fields);
  if (refusal) refuse(refusal.message, refusal.field ? { field: refusal.field } : undefined);
  if (rule.reasonFor) {
    const { states, field } = rule.reasonFor;
    const explained = fields.state !== undefined && states.includes(String(fields.state));
    const reason = data[field];
    if (explained && (typeof reason !== 'string' || !reason.trim())) {
      refuse(`Setting ${withArticle(rule.label)}'s state to ${String(fields.state)} needs a reason: send ${field} with it`, { field });
    }
    // The reason goes with the change it explains, never on its own.
    if (!explained && fields[field] !== undefined) refuse(`${field} is sent only with the state change it explains (to ${states.join(' or ')})`, { field });
  }
  if (stored) for (const check of EDIT_CHECKS.get(uid) ?? []) await check(stored, fields);
};

const WRITE_ACTIONS = new Set(['create', 'update', 'delete', 'clone', 'publish', 'unpublish', 'discardDraft']);

export const registerGuards = (strapi: Core.Strapi): void => {
  const guardDeletion = async (event: LifecycleEvent) => {
    const uid = event.model.uid;
    if (uid === AUDIT_LOG_UID) refuseAuditChange();
    await checkDeletion(strapi, uid, GUARD_RULES[uid], event.params.where);
  };

  strapi.documents.use(async (context, next) => {
    const { uid, action } = context;
    const params = (context.params ?? {}) as Row;
    if (uid === AUDIT_LOG_UID && WRITE_ACTIONS.has(action) && !isAuditWriter()) {
      if (action === 'create' || action === 'clone') refuseAuditCreation();
      refuseAuditChange();
    }
    // Emails are normalized before Strapi's own validation sees them, so " Bob@Shop.com " is
    // accepted as bob@shop.com instead of refused for its spaces. The lifecycle below normalizes
    // again for writes that bypass the Document Service.
    if (uid === 'api::customer.customer' && params.data && (action === 'create' || action === 'update')) {
      if (typeof params.data.email === 'string') normalizeCustomer(params.data);
    }
    if (GUARD_RULES[uid] && (action === 'create' || action === 'update' || action === 'clone')) {
      const editor = currentEditor(strapi);
      if (editor) await checkPolicy(strapi, uid, editor, action === 'clone' ? 'create' : action, params);
    }
    return next();
  });

  strapi.db.lifecycles.subscribe({
    models: [...Object.keys(GUARD_RULES), AUDIT_LOG_UID],

    async beforeCreate(event) {
      if (event.model.uid === AUDIT_LOG_UID) {
        if (!isAuditWriter()) refuseAuditCreation();
        return;
      }
      const rule = GUARD_RULES[event.model.uid];
      const data: Row = event.params.data ?? {};
      checkScalars(rule, data);
      await checkUnique(strapi, event.model.uid, rule, data);
      if (rule.machine) checkTransition(rule, null, data.state ?? rule.machine.initial[0]);
    },

    async afterCreate(event) {
      const rule = GUARD_RULES[event.model.uid];
      if (!rule) return;
      const row: Row = event.result;
      await checkStored(strapi, event.model.uid, rule, row.id);
      await auditCreation(strapi, event.model.uid, row);
    },

    async beforeCreateMany(event) {
      if (event.model.uid === AUDIT_LOG_UID) refuseAuditCreation();
      const rule = GUARD_RULES[event.model.uid];
      refuse(`${capitalized(rule.label)} records are created one at a time, so each gets its audit entry`);
    },

    async beforeUpdate(event) {
      const uid = event.model.uid;
      if (uid === AUDIT_LOG_UID) refuseAuditChange();
      const rule = GUARD_RULES[uid];
      const data: Row = event.params.data ?? {};
      checkScalars(rule, data);
      const current: Row | null = await strapi.db.query(uid).findOne({ where: event.params.where });
      if (!current) return;
      await checkUnique(strapi, uid, rule, data, current.id);
      checkUpdate(rule, current, data);
      if (rule.machine && data.state !== undefined && data.state !== current.state) {
        checkTransition(rule, current.state, data.state);
        if (uid === 'api::invoice.invoice' && data.state === 'Paid' && !current.paidAt && !data.paidAt) {
          data.paidAt = new Date();
        }
        if (uid === 'api::transaction.transaction' && data.state === 'Refunded' && !current.refundedAt && !data.refundedAt) {
          data.refundedAt = new Date();
        }
      }
      const attributes = attributesOf(strapi, uid);
      const fields = Object.keys(data);
      const relations = fields.filter((field) => isRelation(attributes, field));
      (event.state as GuardState).before = [{ row: { ...current, ...(await relationsOf(strapi, uid, current.id, relations)) }, fields }];
    },

    async afterUpdate(event) {
      const uid = event.model.uid;
      const rule = GUARD_RULES[uid];
      if (!rule || !event.result) return;
      await checkStored(strapi, uid, rule, event.result.id);
      const attributes = attributesOf(strapi, uid);
      for (const { row, fields } of (event.state as GuardState).before ?? []) {
        const relations = fields.filter((field) => isRelation(attributes, field));
        const after = { ...event.result, ...(await relationsOf(strapi, uid, row.id, relations)) };
        await auditChange(strapi, uid, row, after, fieldChanges(attributes, rule, fields, row, after));
      }
    },

    async beforeUpdateMany(event) {
      const uid = event.model.uid;
      if (uid === AUDIT_LOG_UID) refuseAuditChange();
      const rule = GUARD_RULES[uid];
      const data: Row = event.params.data ?? {};
      checkScalars(rule, data);
      const attributes = attributesOf(strapi, uid);
      const guarded = [...(rule.immutableFields ?? []), ...(rule.frozenUnless?.fields ?? [])];
      const touched = [...guarded, ...(rule.uniqueFields ?? []).flat()].find((field) => data[field] !== undefined);
      if (touched) refuse(`${capitalized(rule.label)} records must be updated one at a time to change ${touched}`);
      const relation = Object.keys(data).find((field) => isRelation(attributes, field));
      if (relation) refuse(`${capitalized(rule.label)} records must be updated one at a time to change ${relation}`);
      const fields = Object.keys(data).filter((field) => attributes[field]);
      const rows: Row[] = await strapi.db.query(uid).findMany({
        where: event.params.where,
        select: ['id', 'documentId', ...new Set([...(rule.machine ? ['state'] : []), ...fields])],
      });
      if (rule.machine && data.state !== undefined) {
        for (const row of rows) if (row.state !== data.state) checkTransition(rule, row.state, data.state);
      }
      Object.assign(event.state as GuardState, { before: rows.map((row) => ({ row, fields })), ids: rows.map((row) => row.id), data });
    },

    async afterUpdateMany(event) {
      const uid = event.model.uid;
      const rule = GUARD_RULES[uid];
      if (!rule) return;
      const state = event.state as GuardState;
      const attributes = attributesOf(strapi, uid);
      for (const id of state.ids ?? []) await checkStored(strapi, uid, rule, id);
      for (const { row, fields } of state.before ?? []) {
        const after = { ...row, ...state.data };
        await auditChange(strapi, uid, row, after, fieldChanges(attributes, rule, fields, row, after));
      }
    },

    beforeDelete: guardDeletion,
    beforeDeleteMany: guardDeletion,
  });
};
