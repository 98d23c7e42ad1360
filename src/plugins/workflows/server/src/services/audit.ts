import type { Core } from '@strapi/strapi';
import { AuditEntry, writeAudit } from '../../../../../guards/audit';
import { now } from '../clock';

/**
 * The one home of audit entries for every process: `record` writes an entry in the caller's
 * transaction, at the engine's clock unless the entry says when, with the actor of the current
 * change unless it names one. Summaries are cut to what the log keeps.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  record(entry: AuditEntry) {
    return writeAudit(strapi, { ...entry, summary: entry.summary.slice(0, 500), occurredAt: entry.occurredAt ?? now() });
  },
});
