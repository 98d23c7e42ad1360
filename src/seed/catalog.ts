/** The demo catalog and customers of an independent auto repair shop. */
export const DEMO_PLANS = [
  {
    code: 'oil-club-monthly',
    name: 'Oil Club',
    description: 'One synthetic oil change and a 21-point inspection every month.',
    priceMinor: 3900,
    currency: 'USD',
    termMonths: 1,
    taxRateBps: 825,
    active: true,
    addOns: [{ code: 'tire-rotation', name: 'Tire rotation', feeMinor: 1500, taxable: true, billing: 'recurring' }],
  },
  {
    code: 'maintenance-plus-6m',
    name: 'Maintenance Plus (6 months)',
    description: 'Two oil changes, tire rotation, brake and fluid checks over six months.',
    priceMinor: 27900,
    currency: 'USD',
    termMonths: 6,
    taxRateBps: 825,
    active: true,
    addOns: [
      { code: 'roadside', name: 'Roadside assistance', feeMinor: 3000, taxable: false, billing: 'recurring' },
      { code: 'cabin-filter', name: 'Cabin air filter replacement', feeMinor: 2500, taxable: true, billing: 'one-time' },
    ],
  },
  {
    code: 'complete-care-12m',
    name: 'Complete Care (12 months)',
    description: 'Twelve months of maintenance: four oil changes, alignment, brakes, battery and A/C service.',
    priceMinor: 54900,
    currency: 'USD',
    termMonths: 12,
    taxRateBps: 825,
    active: true,
    addOns: [
      { code: 'tire-rotation', name: 'Quarterly tire rotation', feeMinor: 4500, taxable: true, billing: 'recurring' },
      { code: 'roadside', name: 'Roadside assistance', feeMinor: 6000, taxable: false, billing: 'recurring' },
      { code: 'detailing', name: 'Interior and exterior detailing', feeMinor: 12000, taxable: true, billing: 'recurring' },
      { code: 'wiper-blades', name: 'Wiper blades', feeMinor: 3500, taxable: true, billing: 'one-time' },
    ],
  },
  {
    code: 'ev-care-12m',
    name: 'EV Care (12 months)',
    description: 'Battery health reports, brake and suspension checks, tire service for electric vehicles.',
    priceMinor: 39900,
    currency: 'USD',
    termMonths: 12,
    taxRateBps: 825,
    active: true,
    addOns: [
      { code: 'battery-health', name: 'Quarterly battery health report', feeMinor: 6000, taxable: true, billing: 'recurring' },
      { code: 'cabin-filter', name: 'Cabin air filter replacement', feeMinor: 2500, taxable: true, billing: 'one-time' },
    ],
  },
  {
    code: 'legacy-oil-6m',
    name: 'Legacy Oil Package (6 months)',
    description: 'Retired: no longer sold, kept for the customers who still hold it.',
    priceMinor: 15900,
    currency: 'USD',
    termMonths: 6,
    taxRateBps: 825,
    active: false,
    addOns: [],
  },
] as const;

/**
 * Each demo customer and the story of their plan. `startedDaysAgo` is when the first purchase
 * was made; `outcome` is where the story ends.
 */
export type DemoOutcome =
  | 'active'
  | 'renewed'
  | 'processing'
  | 'pending'
  | 'past-due'
  | 'expired'
  | 'cancelled';

export interface DemoCustomer {
  name: string;
  email: string;
  phone: string;
  vehicle: string;
  plan: string;
  addOns: string[];
  paymentMethod: 'stripe' | 'manual';
  autoRenew: boolean;
  startedDaysAgo: number;
  outcome: DemoOutcome;
}

export const DEMO_CUSTOMERS: DemoCustomer[] = [
  { name: 'Maria Gonzalez', email: 'maria.gonzalez@example.com', phone: '+1 512 555 0101', vehicle: '2019 Toyota Corolla', plan: 'complete-care-12m', addOns: ['tire-rotation'], paymentMethod: 'manual', autoRenew: true, startedDaysAgo: 90, outcome: 'active' },
  { name: "James O'Connor", email: 'james.oconnor@example.com', phone: '+1 512 555 0102', vehicle: '2017 Ford F-150', plan: 'maintenance-plus-6m', addOns: ['roadside', 'cabin-filter'], paymentMethod: 'stripe', autoRenew: true, startedDaysAgo: 200, outcome: 'renewed' },
  { name: 'Aisha Khan', email: 'aisha.khan@example.com', phone: '+1 512 555 0103', vehicle: '2021 Honda Civic', plan: 'oil-club-monthly', addOns: [], paymentMethod: 'stripe', autoRenew: true, startedDaysAgo: 20, outcome: 'active' },
  { name: 'Daniel Kim', email: 'daniel.kim@example.com', phone: '+1 512 555 0104', vehicle: '2022 Tesla Model 3', plan: 'ev-care-12m', addOns: ['battery-health'], paymentMethod: 'stripe', autoRenew: true, startedDaysAgo: 45, outcome: 'active' },
  { name: 'Sofia Rossi', email: 'sofia.rossi@example.com', phone: '+1 512 555 0105', vehicle: '2018 Subaru Outback', plan: 'complete-care-12m', addOns: ['roadside', 'wiper-blades'], paymentMethod: 'manual', autoRenew: true, startedDaysAgo: 1, outcome: 'processing' },
  { name: 'Liam Novak', email: 'liam.novak@example.com', phone: '+1 512 555 0106', vehicle: '2016 Mazda CX-5', plan: 'maintenance-plus-6m', addOns: [], paymentMethod: 'manual', autoRenew: true, startedDaysAgo: 0, outcome: 'pending' },
  { name: 'Chen Wei', email: 'chen.wei@example.com', phone: '+1 512 555 0107', vehicle: '2015 Nissan Altima', plan: 'oil-club-monthly', addOns: ['tire-rotation'], paymentMethod: 'stripe', autoRenew: true, startedDaysAgo: 40, outcome: 'past-due' },
  { name: 'Emily Carter', email: 'emily.carter@example.com', phone: '+1 512 555 0108', vehicle: '2014 Jeep Wrangler', plan: 'complete-care-12m', addOns: [], paymentMethod: 'manual', autoRenew: false, startedDaysAgo: 400, outcome: 'expired' },
  { name: 'Noah Fischer', email: 'noah.fischer@example.com', phone: '+1 512 555 0109', vehicle: '2020 Volkswagen Golf', plan: 'maintenance-plus-6m', addOns: ['roadside'], paymentMethod: 'manual', autoRenew: true, startedDaysAgo: 20, outcome: 'cancelled' },
  { name: 'Olivia Brown', email: 'olivia.brown@example.com', phone: '+1 512 555 0110', vehicle: '2023 Kia Sportage', plan: 'complete-care-12m', addOns: ['detailing'], paymentMethod: 'manual', autoRenew: false, startedDaysAgo: 150, outcome: 'active' },
  { name: 'Lucas Martin', email: 'lucas.martin@example.com', phone: '+1 512 555 0111', vehicle: '2022 Hyundai Ioniq 5', plan: 'ev-care-12m', addOns: ['battery-health', 'cabin-filter'], paymentMethod: 'stripe', autoRenew: true, startedDaysAgo: 300, outcome: 'active' },
  { name: 'Hannah Schmidt', email: 'hannah.schmidt@example.com', phone: '+1 512 555 0112', vehicle: '2019 Chevrolet Equinox', plan: 'oil-club-monthly', addOns: ['tire-rotation'], paymentMethod: 'manual', autoRenew: true, startedDaysAgo: 5, outcome: 'active' },
];
