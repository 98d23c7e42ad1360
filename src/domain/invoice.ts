import { CurrencyCode } from './currency';
import { Money, MoneyError, add, money, sum, zero } from './money';
import { taxForLine } from './tax';
import { counted } from './wording';

export const INVOICE_KINDS = ['new', 'renewal'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

export const LINE_KINDS = ['base', 'add-on', 'tax'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export const ADD_ON_BILLING = ['recurring', 'one-time'] as const;
export type AddOnBilling = (typeof ADD_ON_BILLING)[number];

export interface AddOn {
  code: string;
  name: string;
  feeMinor: number;
  taxable: boolean;
  billing: AddOnBilling;
}

export interface PlanPricing {
  code: string;
  name: string;
  priceMinor: number;
  currency: string;
  termMonths: number;
  taxRateBps: number;
  addOns: readonly AddOn[];
}

export interface InvoiceLine {
  kind: LineKind;
  code: string;
  description: string;
  amountMinor: number;
  /** Tax rate applied to this line (0 for untaxed lines and for the tax line itself). */
  taxRateBps: number;
}

export interface InvoiceTotals {
  currency: CurrencyCode;
  lines: InvoiceLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/**
 * The invoice for one period of a plan: the base price, each chosen add-on that applies to this
 * kind of invoice (one-time add-ons only on the first purchase), and one tax line that is the sum
 * of the per-line taxes. Unknown or duplicate add-on codes are refused.
 */
export const buildInvoice = (
  plan: PlanPricing,
  chosenAddOnCodes: readonly string[],
  kind: InvoiceKind,
): InvoiceTotals => {
  const seen = new Set<string>();
  const chosen = chosenAddOnCodes.map((code) => {
    if (seen.has(code)) throw new MoneyError(`Add-on "${code}" is chosen twice`);
    seen.add(code);
    const addOn = plan.addOns.find((a) => a.code === code);
    if (!addOn) throw new MoneyError(`Plan ${plan.code} has no add-on "${code}"`);
    return addOn;
  });

  const base = money(plan.priceMinor, plan.currency);
  const charged = chosen.filter((a) => kind === 'new' || a.billing === 'recurring');

  const lines: InvoiceLine[] = [
    {
      kind: 'base',
      code: plan.code,
      // The term, unless the plan's name already says it ("Care (12 months)").
      description: plan.name.includes(counted(plan.termMonths, 'month')) ? plan.name : `${plan.name} (${counted(plan.termMonths, 'month')})`,
      amountMinor: base.amountMinor,
      taxRateBps: plan.taxRateBps,
    },
    ...charged.map((a) => ({
      kind: 'add-on' as const,
      code: a.code,
      description: a.name,
      amountMinor: money(a.feeMinor, plan.currency).amountMinor,
      taxRateBps: a.taxable ? plan.taxRateBps : 0,
    })),
  ];

  const tax = sum(
    lines.map((line) => taxForLine(money(line.amountMinor, plan.currency), line.taxRateBps)),
    plan.currency,
  );
  const subtotal = sum(
    lines.map((line) => money(line.amountMinor, plan.currency)),
    plan.currency,
  );
  if (tax.amountMinor > 0) {
    lines.push({
      kind: 'tax',
      code: 'tax',
      description: `Tax (${formatRate(plan.taxRateBps)})`,
      amountMinor: tax.amountMinor,
      taxRateBps: 0,
    });
  }
  const total = add(subtotal, tax);
  return {
    currency: total.currency,
    lines,
    subtotalMinor: subtotal.amountMinor,
    taxMinor: tax.amountMinor,
    totalMinor: total.amountMinor,
  };
};

const formatRate = (bps: number): string => `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 2)} %`;

/**
 * Why stored totals do not match their lines, or null when they do: subtotal = sum of base and
 * add-on lines, tax = sum of tax lines, total = subtotal + tax, all in the invoice's currency.
 */
export const invoiceTotalsProblem = (invoice: {
  currency: string;
  lines: readonly Pick<InvoiceLine, 'kind' | 'amountMinor'>[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}): string | null => {
  let subtotal: Money;
  let tax: Money;
  try {
    subtotal = zero(invoice.currency);
    tax = zero(invoice.currency);
    for (const line of invoice.lines) {
      const amount = money(line.amountMinor, invoice.currency);
      if (line.kind === 'tax') tax = add(tax, amount);
      else subtotal = add(subtotal, amount);
    }
  } catch (error) {
    return (error as Error).message;
  }
  if (subtotal.amountMinor !== invoice.subtotalMinor) {
    return `subtotal ${invoice.subtotalMinor} does not equal the sum of its lines (${subtotal.amountMinor})`;
  }
  if (tax.amountMinor !== invoice.taxMinor) {
    return `tax ${invoice.taxMinor} does not equal the sum of its tax lines (${tax.amountMinor})`;
  }
  if (subtotal.amountMinor + tax.amountMinor !== invoice.totalMinor) {
    return `total ${invoice.totalMinor} does not equal subtotal + tax (${subtotal.amountMinor + tax.amountMinor})`;
  }
  return null;
};
