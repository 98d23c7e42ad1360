import { factories } from '@strapi/strapi';
import { CalendarDate, InvoiceKind, Period, PlanPricing, addDays, buildInvoice } from '../../../domain';
import { SEQUENCE_TABLE } from '../../../setup/database';

/** Days a customer has to pay an invoice once issued. */
export const PAYMENT_TERMS_DAYS = 7;

export interface IssueInvoiceInput {
  customer: { documentId: string };
  servicePlan: { documentId: string; addOnCodes?: string[] | null };
  /** The catalog plan as stored: its add-ons may be missing when the plan has none. */
  plan: Omit<PlanPricing, 'addOns'> & { addOns?: PlanPricing['addOns'] | null };
  kind: InvoiceKind;
  period: Period;
  issuedOn: CalendarDate;
}

export default factories.createCoreService('api::invoice.invoice', ({ strapi }) => ({
  /**
   * The next invoice number of the year, e.g. INV-2026-000042. Call it inside the transaction that
   * creates the invoice: the counter row stays locked until that transaction ends, and a rollback
   * returns the number, so the sequence has no gaps.
   */
  async nextNumber(year: number): Promise<string> {
    return strapi.db.transaction(async ({ trx }) => {
      await trx(SEQUENCE_TABLE).insert({ year, last_value: 0 }).onConflict('year').ignore();
      const [row] = await trx(SEQUENCE_TABLE).where({ year }).increment('last_value', 1).returning('last_value');
      const value = typeof row === 'object' ? row.last_value : row;
      return `INV-${year}-${String(value).padStart(6, '0')}`;
    });
  },

  /** Issues an Open invoice for one period of a service plan, priced by the domain's invoice rules. */
  async issue(input: IssueInvoiceInput) {
    const totals = buildInvoice(
      { ...input.plan, addOns: input.plan.addOns ?? [] },
      input.servicePlan.addOnCodes ?? [],
      input.kind,
    );
    return strapi.db.transaction(async () => {
      const number = await this.nextNumber(Number(input.issuedOn.slice(0, 4)));
      return strapi.documents('api::invoice.invoice').create({
        data: {
          number,
          customer: input.customer.documentId,
          servicePlan: input.servicePlan.documentId,
          kind: input.kind,
          state: 'Open',
          currency: totals.currency,
          lines: totals.lines,
          subtotalMinor: totals.subtotalMinor,
          taxMinor: totals.taxMinor,
          totalMinor: totals.totalMinor,
          periodStart: input.period.start,
          periodEnd: input.period.end,
          issuedAt: `${input.issuedOn}T09:00:00.000Z`,
          dueDate: addDays(input.issuedOn, PAYMENT_TERMS_DAYS),
        } as any,
      });
    });
  },
}));
