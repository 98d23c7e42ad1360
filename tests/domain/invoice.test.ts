import {
  AddOn,
  PlanPricing,
  buildInvoice,
  invoiceTotalsProblem,
  money,
  monthlyRecurringRevenue,
  recurringPerTerm,
  taxForLine,
} from '../../src/domain';

const addOns: AddOn[] = [
  { code: 'tire-rotation', name: 'Tire rotation', feeMinor: 4500, taxable: true, billing: 'recurring' },
  { code: 'roadside', name: 'Roadside assistance', feeMinor: 6000, taxable: false, billing: 'recurring' },
  { code: 'wiper-blades', name: 'Wiper blades', feeMinor: 3500, taxable: true, billing: 'one-time' },
];

const plan: PlanPricing = {
  code: 'complete-care-12m',
  name: 'Complete Care',
  priceMinor: 54900,
  currency: 'USD',
  termMonths: 12,
  taxRateBps: 825,
  addOns,
};

describe('taxForLine()', () => {
  test.each([
    [10000, 825, 825],
    [54900, 825, 4529], // 4529.25 -> 4529
    [4500, 825, 371], // 371.25 -> 371
    [3500, 825, 289], // 288.75 -> 289
    [200, 2500, 50],
    [2, 2500, 1], // 0.5 -> 1: half away from zero
    [1000, 0, 0],
    [1000, 10000, 1000],
  ])('%p at %p bps = %p', (amount, rate, expected) => {
    expect(taxForLine(money(amount, 'USD'), rate)).toEqual(money(expected, 'USD'));
  });

  test.each([[-1], [10001], [8.25]])('refuses rate %p', (rate) => {
    expect(() => taxForLine(money(100, 'USD'), rate)).toThrow(/basis points/);
  });
});

describe('buildInvoice()', () => {
  test.each([
    {
      name: 'base only',
      chosen: [],
      kind: 'new' as const,
      lines: [['base', 54900], ['tax', 4529]],
      totals: [54900, 4529, 59429],
    },
    {
      name: 'taxable and untaxed add-ons, tax per line',
      chosen: ['tire-rotation', 'roadside'],
      kind: 'new' as const,
      lines: [['base', 54900], ['add-on', 4500], ['add-on', 6000], ['tax', 4529 + 371]],
      totals: [65400, 4900, 70300],
    },
    {
      name: 'one-time add-on charged on a first purchase',
      chosen: ['wiper-blades'],
      kind: 'new' as const,
      lines: [['base', 54900], ['add-on', 3500], ['tax', 4529 + 289]],
      totals: [58400, 4818, 63218],
    },
    {
      name: 'one-time add-on not charged again on renewal',
      chosen: ['wiper-blades', 'roadside'],
      kind: 'renewal' as const,
      lines: [['base', 54900], ['add-on', 6000], ['tax', 4529]],
      totals: [60900, 4529, 65429],
    },
  ])('$name', ({ chosen, kind, lines, totals }) => {
    const invoice = buildInvoice(plan, chosen, kind);
    expect(invoice.lines.map((l) => [l.kind, l.amountMinor])).toEqual(lines);
    expect([invoice.subtotalMinor, invoice.taxMinor, invoice.totalMinor]).toEqual(totals);
    expect(invoiceTotalsProblem(invoice)).toBeNull();
  });

  test('a zero tax rate produces no tax line', () => {
    const invoice = buildInvoice({ ...plan, taxRateBps: 0 }, [], 'new');
    expect(invoice.lines.map((l) => l.kind)).toEqual(['base']);
    expect(invoice.totalMinor).toBe(54900);
  });

  test('zero-decimal currencies stay in whole units', () => {
    const invoice = buildInvoice({ ...plan, currency: 'JPY', priceMinor: 60000, taxRateBps: 1000, addOns: [] }, [], 'new');
    expect([invoice.currency, invoice.subtotalMinor, invoice.taxMinor, invoice.totalMinor]).toEqual(['JPY', 60000, 6000, 66000]);
  });

  test.each([
    [['unknown'], /has no add-on "unknown"/],
    [['roadside', 'roadside'], /chosen twice/],
  ])('refuses add-ons %p', (chosen, message) => {
    expect(() => buildInvoice(plan, chosen, 'new')).toThrow(message);
  });
});

describe('invoiceTotalsProblem()', () => {
  const lines = [
    { kind: 'base' as const, amountMinor: 1000 },
    { kind: 'add-on' as const, amountMinor: 500 },
    { kind: 'tax' as const, amountMinor: 124 },
  ];
  test.each([
    [{ subtotalMinor: 1500, taxMinor: 124, totalMinor: 1624 }, null],
    [{ subtotalMinor: 1400, taxMinor: 124, totalMinor: 1524 }, /subtotal 1400 does not equal the sum of its lines \(1500\)/],
    [{ subtotalMinor: 1500, taxMinor: 100, totalMinor: 1600 }, /tax 100 does not equal/],
    [{ subtotalMinor: 1500, taxMinor: 124, totalMinor: 1625 }, /total 1625 does not equal subtotal \+ tax \(1624\)/],
  ])('%p', (totals, expected) => {
    const problem = invoiceTotalsProblem({ currency: 'USD', lines, ...totals });
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  test('refuses a negative or fractional line', () => {
    expect(
      invoiceTotalsProblem({ currency: 'USD', lines: [{ kind: 'base', amountMinor: -5 }], subtotalMinor: -5, taxMinor: 0, totalMinor: -5 }),
    ).toMatch(/negative/);
    expect(
      invoiceTotalsProblem({ currency: 'USD', lines: [{ kind: 'base', amountMinor: 1.5 }], subtotalMinor: 1.5, taxMinor: 0, totalMinor: 1.5 }),
    ).toMatch(/whole number/);
  });
});

describe('recurring revenue and MRR', () => {
  test.each([
    { name: 'base only', chosen: [], perTerm: 54900, term: 12, mrr: 4575 },
    { name: 'recurring add-ons count, one-time ones do not', chosen: ['roadside', 'wiper-blades'], perTerm: 60900, term: 12, mrr: 5075 },
    { name: 'a 12-month plan of 600.00 is 50.00 a month', chosen: [], perTerm: 60000, term: 12, mrr: 5000, price: 60000 },
    { name: 'rounded half away from zero per plan', chosen: [], perTerm: 1000, term: 3, mrr: 333, price: 1000 },
    { name: 'half a cent rounds up', chosen: [], perTerm: 1001, term: 2, mrr: 501, price: 1001 },
  ])('$name', ({ chosen, perTerm, term, mrr, price }) => {
    const recurring = recurringPerTerm({ priceMinor: price ?? plan.priceMinor, currency: 'USD', addOns, chosenAddOnCodes: chosen });
    expect(recurring).toEqual(money(perTerm, 'USD'));
    expect(monthlyRecurringRevenue(recurring, term)).toEqual(money(mrr, 'USD'));
  });
});

describe('the base line names the plan and its term once', () => {
  test.each([
    ['Complete Care', 'Complete Care (12 months)'],
    ['Complete Care (12 months)', 'Complete Care (12 months)'],
    ['Maintenance Plus (6 months)', 'Maintenance Plus (6 months) (12 months)'],
  ])('%s', (name, description) => {
    expect(buildInvoice({ ...plan, name }, [], 'new').lines[0].description).toBe(description);
  });
});
