import type { Core } from '@strapi/strapi';
import { addEditCheck } from '../../../../guards';
import { PREPAID_PLAN_PROCESS, isOpen } from './domain';
import { ConflictError } from './errors';
import { prepaidRuns } from './services/steps';
import type { PrepaidRun } from './services/steps';

/**
 * A run of the process owns the states of its service plan and its invoice while it is open: a
 * person who changes either by hand (Customer Success cancelling the plan, Finance voiding the
 * invoice) would leave the run waiting for a payment that may still come, and take it. Such an
 * edit is refused with 409 saying what to do instead; the run's own ways of ending undo both.
 * Finance may still write an open renewal's invoice off (Uncollectible): that ends its dunning,
 * and the expiry job closes the run.
 */
const stepOf = (run: PrepaidRun) => PREPAID_PLAN_PROCESS.steps.find((step) => step.id === run.currentStep)?.title ?? run.currentStep;

export const registerEditChecks = (strapi: Core.Strapi) => {
  addEditCheck('api::service-plan.service-plan', async (stored, fields) => {
    if (fields.state === undefined) return;
    const run = await prepaidRuns(strapi).openOf(String(stored.documentId));
    if (!run) return;
    throw new ConflictError(
      `Service plan ${stored.documentId} has an open ${run.kind === 'new' ? 'purchase' : 'renewal'} run (${run.documentId}, at "${stepOf(run)}"): ` +
        'cancel the run instead, which voids its open invoice and puts the plan back, or let it finish',
      { run: run.documentId },
    );
  });
  addEditCheck('api::invoice.invoice', async (stored, fields) => {
    // Writing it off (Uncollectible) ends the dunning: the expiry job then closes the run.
    if (fields.state !== 'Void') return;
    const run = await prepaidRuns(strapi).ofInvoice(String(stored.documentId));
    if (!run || !isOpen(run.state)) return;
    throw new ConflictError(
      `Invoice ${stored.number} belongs to an open run (${run.documentId}, at "${stepOf(run)}"): ` +
        'reject its payment verification, or cancel the run, which voids the invoice and puts the plan back',
      { run: run.documentId },
    );
  });
};
