import { AsyncLocalStorage } from 'node:async_hooks';
import type { Core, Modules } from '@strapi/strapi';
import { Actor, currentActor } from './actor';

export const AUDIT_LOG_UID = 'api::audit-log.audit-log';

/** One field's value before and after a change. */
export interface FieldChange {
  before: unknown;
  after: unknown;
}

/**
 * An audit entry as the application writes it. Reports and pages read the structured fields
 * (action, entity, fromState/toState, changes), never the summary's wording.
 */
export interface AuditEntry {
  action: string;
  entityUid: string;
  entityDocumentId: string;
  fromState?: string | null;
  toState?: string | null;
  /** Each changed field with its value before and after. */
  changes?: Record<string, FieldChange> | null;
  summary: string;
  data?: unknown;
  actor?: Actor;
  occurredAt?: Date;
}

/** The entry's attributes as stored, with the actor of the current change unless one is given. */
export const auditAttributes = (strapi: Core.Strapi, entry: AuditEntry) => {
  const actor = entry.actor ?? currentActor(strapi);
  return {
    action: entry.action,
    entityUid: entry.entityUid,
    entityDocumentId: entry.entityDocumentId,
    fromState: entry.fromState ?? null,
    toState: entry.toState ?? null,
    changes: entry.changes && Object.keys(entry.changes).length > 0 ? entry.changes : null,
    actorType: actor.type,
    actorId: actor.id ?? null,
    actorName: actor.name ?? null,
    summary: entry.summary.slice(0, 500),
    data: entry.data ?? null,
    occurredAt: entry.occurredAt ?? new Date(),
  };
};

const writing = new AsyncLocalStorage<true>();

/** Whether the current write of an audit entry comes from `writeAudit`; any other is refused. */
export const isAuditWriter = (): boolean => writing.getStore() === true;

/**
 * The one way an audit entry is written, in the caller's transaction. The guards refuse every
 * other creation of an entry (the content manager, REST, a stray query), Super Admins included.
 */
export const writeAudit = (strapi: Core.Strapi, entry: AuditEntry) =>
  writing.run(true, () =>
    // `changes` and `data` are JSON columns holding whatever values changed (unknown here, not Strapi's JSONValue).
    strapi.documents(AUDIT_LOG_UID).create({ data: auditAttributes(strapi, entry) as unknown as Modules.Documents.Params.Data.Input<typeof AUDIT_LOG_UID> }),
  );
