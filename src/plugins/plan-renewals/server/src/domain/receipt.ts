import { escapeHtml, format, money } from '../../../../../domain';

/** The activation confirmation with its receipt, as plain text and HTML (values escaped). */
export interface ReceiptInput {
  customerName: string;
  planName: string;
  periodStart: string;
  periodEnd: string;
  addOns: readonly string[];
  invoiceNumber: string;
  currency: string;
  lines: readonly { description: string; amountMinor: number }[];
  totalMinor: number;
  paymentReference: string;
}

export const activationReceipt = (input: ReceiptInput): { subject: string; text: string; html: string } => {
  const show = (amount: number) => format(money(amount, input.currency));
  const subject = `Your ${input.planName} is active — receipt ${input.invoiceNumber}`;
  const addOns = input.addOns.length ? input.addOns.join(', ') : 'none';
  const text = [
    `Hello ${input.customerName},`,
    '',
    `Your ${input.planName} is active from ${input.periodStart} until ${input.periodEnd}.`,
    `Add-ons: ${addOns}`,
    '',
    `Receipt ${input.invoiceNumber}`,
    ...input.lines.map((line) => `  ${line.description}: ${show(line.amountMinor)}`),
    `  Total paid: ${show(input.totalMinor)}`,
    `  Payment reference: ${input.paymentReference}`,
    '',
    'Thank you for your business.',
  ].join('\n');
  const rows = input.lines
    .map((line) => `<tr><td>${escapeHtml(line.description)}</td><td align="right">${escapeHtml(show(line.amountMinor))}</td></tr>`)
    .join('');
  const html =
    `<p>Hello ${escapeHtml(input.customerName)},</p>` +
    `<p>Your <strong>${escapeHtml(input.planName)}</strong> is active from ${escapeHtml(input.periodStart)} until ${escapeHtml(input.periodEnd)}.</p>` +
    `<p>Add-ons: ${escapeHtml(addOns)}</p>` +
    `<h3>Receipt ${escapeHtml(input.invoiceNumber)}</h3>` +
    `<table>${rows}<tr><th align="left">Total paid</th><th align="right">${escapeHtml(show(input.totalMinor))}</th></tr></table>` +
    `<p>Payment reference: ${escapeHtml(input.paymentReference)}</p>`;
  return { subject, text, html };
};

/** The message a customer gets when Finance could not confirm the payment of a purchase or renewal. */
export const paymentRejectedNotice = (input: {
  customerName: string;
  planName: string;
  kind: 'new' | 'renewal';
  invoiceNumber?: string | null;
}): { subject: string; text: string; html: string } => {
  const what = input.kind === 'new' ? 'purchase' : 'renewal';
  const voided = input.invoiceNumber ? `, so invoice ${input.invoiceNumber} has been voided` : '';
  const body = (v: (s: string) => string) =>
    `We could not confirm the payment for the ${what} of your ${v(input.planName)}${v(voided)}. Please contact us to arrange payment.`;
  return {
    subject: `We could not confirm the payment for your ${input.planName}`,
    text: `Hello ${input.customerName},\n\n${body((s) => s)}\n`,
    html: `<p>Hello ${escapeHtml(input.customerName)},</p><p>${body(escapeHtml)}</p>`,
  };
};
