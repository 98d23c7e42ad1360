import { factories } from '@strapi/strapi';
import { CalendarDate, InvoiceKind, Period, PlanPricing, buildInvoice, issuedInvoice } from '../../../domain';
import { INVOICE_SERIES } from '../../../setup/database';

export { PAYMENT_TERMS_DAYS } from '../../../domain';

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
    const [number] = await this.nextNumbers(year, 1);
    return number;
  },

  /**
   * The next `count` invoice numbers of the year, in order, taken at once from the same counter (a
   * renewal wave's batch): the engine's document numbers, series INV, as every process's numbers.
   */
  async nextNumbers(year: number, count: number): Promise<string[]> {
    return strapi.plugin('workflows').service('numbers').nextMany(INVOICE_SERIES, year, count);
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
          ...issuedInvoice({ number, kind: input.kind, totals, period: input.period, issuedOn: input.issuedOn }),
          customer: input.customer.documentId,
          servicePlan: input.servicePlan.documentId,
        },
      });
    });
  },
}));
