import { activationReceipt, paymentRejectedNotice } from '../../src/plugins/plan-renewals/server/src/domain/receipt';

const receipt = {
  customerName: 'Ana <b>Ruiz</b> & Sons',
  planName: 'Complete Care',
  periodStart: '2026-11-22',
  periodEnd: '2027-11-22',
  addOns: ['Roadside assistance'],
  invoiceNumber: 'INV-2026-000042',
  currency: 'USD',
  lines: [
    { description: 'Complete Care, 12 months', amountMinor: 54900 },
    { description: 'Roadside assistance', amountMinor: 6000 },
    { description: 'Tax 8.25 %', amountMinor: 4529 },
  ],
  totalMinor: 65429,
  paymentReference: 'manual COUNTER-0042',
};

describe('the activation receipt', () => {
  const { subject, text, html } = activationReceipt(receipt);

  test.each([
    ['plan and period', /Complete Care is active from 2026-11-22 until 2027-11-22/],
    ['add-ons', /Add-ons: Roadside assistance/],
    ['every invoice line', /Complete Care, 12 months: USD 549.00\n {2}Roadside assistance: USD 60.00\n {2}Tax 8.25 %: USD 45.29/],
    ['the total', /Total paid: USD 654.29/],
    ['the payment reference', /Payment reference: manual COUNTER-0042/],
  ])('the text names %s', (_what, pattern) => expect(text).toMatch(pattern));

  test('the subject names the plan and the receipt number', () => {
    expect(subject).toBe('Your Complete Care is active — receipt INV-2026-000042');
  });

  test('the HTML escapes what customers and staff typed', () => {
    expect(html).toContain('Hello Ana &lt;b&gt;Ruiz&lt;/b&gt; &amp; Sons,');
    expect(html).not.toContain('<b>Ruiz');
  });

  test('without add-ons it says none', () => {
    expect(activationReceipt({ ...receipt, addOns: [] }).text).toMatch(/Add-ons: none/);
  });
});

describe('the payment-rejected notice', () => {
  test.each([
    ['new' as const, 'INV-2026-000001', /payment for the purchase of your Complete Care, so invoice INV-2026-000001 has been voided\./],
    ['renewal' as const, 'INV-2026-000002', /payment for the renewal of your Complete Care, so invoice INV-2026-000002 has been voided\./],
    ['new' as const, null, /payment for the purchase of your Complete Care\. Please contact us/],
  ])('a %s with invoice %p', (kind, invoiceNumber, pattern) => {
    const notice = paymentRejectedNotice({ customerName: 'Ana', planName: 'Complete Care', kind, invoiceNumber });
    expect(notice.text).toMatch(pattern);
    expect(notice.subject).toBe('We could not confirm the payment for your Complete Care');
  });

  test('the HTML escapes names', () => {
    const { html } = paymentRejectedNotice({ customerName: '<script>x</script>', planName: 'Care & "Co"', kind: 'new' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('Care &amp; &quot;Co&quot;');
  });
});
