import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { TransitionError, amountProblem, assertInitial, assertTransition, currencyProblem } from '../domain';
import { currentActor } from './actor';
import { AUDIT_LOG_UID, GUARD_RULES, GuardRule, normalizeCustomer } from './rules';

/**
 * Every write of a billing record goes through these database lifecycle hooks, whichever way it
 * comes: REST, the admin panel's content manager, or code using the Document Service or the query
 * engine. A refused write throws a Strapi ValidationError (HTTP 400) before anything is stored; a
 * problem only visible once components are attached (invoice lines) throws after the write, inside
 * the Document Service's transaction, which rolls it back. Status changes are audited in that
 * same transaction, so a change and its audit entry are committed together or not at all.
 */

type Row = Record<string, any>;
interface Transition {
  id: number;
  documentId: string;
  from: string | null;
  to: string;
}
interface GuardState {
  transitions?: Transition[];
  /** Rows an updateMany touches, checked again once written. */
  ids?: number[];
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
    if (await strapi.db.query(uid as any).findOne({ where, select: ['id'] })) {
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
  const row = await strapi.db.query(uid as any).findOne({ where: { id }, populate: rule.populate as any });
  const problem = row && rule.checkStored(row);
  if (problem) refuse(`${capitalized(rule.label)} ${problem}`);
};

const audit = async (strapi: Core.Strapi, uid: string, rule: GuardRule, transition: Transition): Promise<void> => {
  const actor = currentActor(strapi);
  const created = transition.from === null;
  await strapi.documents(AUDIT_LOG_UID as any).create({
    data: {
      action: `${uid.split('.').pop()}.${created ? 'created' : 'status-changed'}`,
      entityUid: uid,
      entityDocumentId: transition.documentId,
      actorType: actor.type,
      actorId: actor.id ?? null,
      actorName: actor.name ?? null,
      summary: created
        ? `${capitalized(rule.label)} created as ${transition.to}`
        : `${capitalized(rule.label)} ${transition.from} -> ${transition.to}`,
      data: { id: transition.id, from: transition.from, to: transition.to },
      occurredAt: new Date(),
    } as any,
  });
};

const refuseAuditChange = (): never => {
  throw new errors.ForbiddenError('The audit log is append-only: entries cannot be changed or deleted');
};

const refuseDeletion = (rule: GuardRule): never =>
  refuse(`A ${rule.label} cannot be deleted` + (rule.deletionAdvice ? `: ${rule.deletionAdvice}` : ''));

const checkDeletion = async (strapi: Core.Strapi, uid: string, rule: GuardRule, where: unknown): Promise<void> => {
  if (rule.deletion === 'never') refuseDeletion(rule);
  const rows: Row[] = await strapi.db.query(uid as any).findMany({ where: where as any, select: ['id', 'documentId'] });
  for (const row of rows) {
    for (const reference of rule.references ?? []) {
      const count = await strapi.db.query(reference.uid as any).count({ where: { [reference.field]: { id: row.id } } });
      if (count > 0) {
        refuse(
          `${capitalized(rule.label)} ${row.documentId} cannot be deleted: ${count} ${reference.label} refer to it` +
            (rule.deletionAdvice ? ` (${rule.deletionAdvice})` : ''),
        );
      }
    }
  }
};

export const registerGuards = (strapi: Core.Strapi): void => {
  const guardDeletion = async (event: any) => {
    const uid = event.model.uid;
    if (uid === AUDIT_LOG_UID) refuseAuditChange();
    await checkDeletion(strapi, uid, GUARD_RULES[uid], event.params.where);
  };

  // Emails are normalized before Strapi's own validation sees them, so " Bob@Shop.com " is accepted
  // as bob@shop.com instead of refused for its spaces. The lifecycle below normalizes again for
  // writes that bypass the Document Service.
  strapi.documents.use(async (context, next) => {
    const data = (context.params as any)?.data;
    if (context.uid === 'api::customer.customer' && data && (context.action === 'create' || context.action === 'update')) {
      if (typeof data.email === 'string') normalizeCustomer(data);
    }
    return next();
  });

  strapi.db.lifecycles.subscribe({
    models: [...Object.keys(GUARD_RULES), AUDIT_LOG_UID],

    async beforeCreate(event: any) {
      const rule = GUARD_RULES[event.model.uid];
      if (!rule) return;
      const data: Row = event.params.data ?? {};
      checkScalars(rule, data);
      await checkUnique(strapi, event.model.uid, rule, data);
      if (rule.machine) checkTransition(rule, null, data.state ?? rule.machine.initial[0]);
    },

    async afterCreate(event: any) {
      const rule = GUARD_RULES[event.model.uid];
      if (!rule) return;
      const row: Row = event.result;
      await checkStored(strapi, event.model.uid, rule, row.id);
      if (rule.machine) {
        await audit(strapi, event.model.uid, rule, { id: row.id, documentId: row.documentId, from: null, to: row.state });
      }
    },

    async beforeCreateMany(event: any) {
      const rule = GUARD_RULES[event.model.uid];
      if (rule?.machine) {
        refuse(`${capitalized(rule.label)} records are created one at a time, so each gets its audit entry`);
      }
      for (const data of rule ? event.params.data ?? [] : []) checkScalars(rule, data);
    },

    async beforeUpdate(event: any) {
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
        (event.state as GuardState).transitions = [
          { id: current.id, documentId: current.documentId, from: current.state, to: data.state },
        ];
      }
    },

    async afterUpdate(event: any) {
      const rule = GUARD_RULES[event.model.uid];
      if (!rule || !event.result) return;
      await checkStored(strapi, event.model.uid, rule, event.result.id);
      for (const transition of (event.state as GuardState).transitions ?? []) {
        await audit(strapi, event.model.uid, rule, transition);
      }
    },

    async beforeUpdateMany(event: any) {
      const uid = event.model.uid;
      if (uid === AUDIT_LOG_UID) refuseAuditChange();
      const rule = GUARD_RULES[uid];
      const data: Row = event.params.data ?? {};
      checkScalars(rule, data);
      const guarded = [...(rule.immutableFields ?? []), ...(rule.frozenUnless?.fields ?? [])];
      const touched = [...guarded, ...(rule.uniqueFields ?? []).flat()].find((field) => data[field] !== undefined);
      if (touched) refuse(`${capitalized(rule.label)} records must be updated one at a time to change ${touched}`);
      const rows: Row[] = await strapi.db.query(uid).findMany({
        where: event.params.where,
        select: ['id', 'documentId', ...(rule.machine ? ['state'] : [])],
      });
      const transitions =
        rule.machine && data.state !== undefined
          ? rows
              .filter((row) => row.state !== data.state)
              .map((row) => {
                checkTransition(rule, row.state, data.state);
                return { id: row.id, documentId: row.documentId, from: row.state, to: data.state };
              })
          : [];
      Object.assign(event.state as GuardState, { transitions, ids: rows.map((row) => row.id) });
    },

    async afterUpdateMany(event: any) {
      const rule = GUARD_RULES[event.model.uid];
      if (!rule) return;
      const state = event.state as GuardState;
      for (const id of state.ids ?? []) await checkStored(strapi, event.model.uid, rule, id);
      for (const transition of state.transitions ?? []) await audit(strapi, event.model.uid, rule, transition);
    },

    beforeDelete: guardDeletion,
    beforeDeleteMany: guardDeletion,
  });
};
