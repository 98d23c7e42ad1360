/**
 * Who may change which field of a billing record from outside the application: over REST (a
 * staff role or an API token) or in the admin panel's content manager. Everything not listed is
 * refused for that editor, and nothing is written. The application itself — the purchase and
 * renewal process, the Stripe flows, the scheduled jobs, the seed — is not an editor here: it
 * writes what the process decides, under the guards of src/guards/rules.ts (state machines,
 * immutable fields, amounts), and every change it makes is audited like any other.
 *
 * Money, periods, links to customer, plan and invoice, payment URLs and card references are in
 * no editor's list: only the process and the Stripe flows change them.
 *
 * WRITE_POLICY below is the policy itself, one row per content type and editor; the README's
 * "Who may change which field" shows the same table per role.
 */
export type Editor = 'customer-success' | 'finance' | 'api-token' | 'admin';

/** A field an editor may write: any value, or only the listed ones (a status it may set). */
export type Allowed = true | readonly string[];

export interface EditorRights {
  create?: Readonly<Record<string, Allowed>>;
  update?: Readonly<Record<string, Allowed>>;
}

const CONTACT = { name: true, email: true, phone: true } as const;
const CREDIT = { currency: true, creditLimitMinor: true, accountManager: true } as const;
const CATALOG = {
  code: true,
  name: true,
  description: true,
  priceMinor: true,
  currency: true,
  termMonths: true,
  taxRateBps: true,
  addOns: true,
  active: true,
} as const;
const FARES = {
  code: true,
  name: true,
  riderCategory: true,
  fareMedium: true,
  currency: true,
  priceMinor: true,
  serviceFeeMinor: true,
  taxRateBps: true,
  validityKind: true,
  validityAmount: true,
  activation: true,
  proofRequired: true,
  active: true,
} as const;
const PLAN_CARE = { autoRenew: true, vehicle: true, state: ['Cancelled'] } as const;
// Voiding or writing off an invoice says why (`closingReason`, required with it: rules.ts).
const WRITE_OFF = { state: ['Void', 'Uncollectible'], closingReason: true } as const;

export const WRITE_POLICY: Readonly<Record<string, Partial<Record<Editor, EditorRights>>>> = {
  'api::customer.customer': {
    'customer-success': { create: CONTACT, update: CONTACT },
    'api-token': { create: CONTACT, update: CONTACT },
    // The credit an administrator grants; the executive's approvals change it through the process.
    admin: { create: { ...CONTACT, ...CREDIT, user: true }, update: { ...CONTACT, ...CREDIT, user: true } },
  },
  'api::plan.plan': {
    admin: { create: CATALOG, update: CATALOG },
  },
  'api::service-plan.service-plan': {
    'customer-success': { update: PLAN_CARE },
    admin: { update: PLAN_CARE },
  },
  'api::invoice.invoice': {
    finance: { update: WRITE_OFF },
    admin: { update: WRITE_OFF },
  },
  'api::transaction.transaction': {},
  // The fare catalog and the card stock on hand are the administrators'; orders and passes the process's.
  'plugin::transit-passes.fare-product': {
    admin: { create: FARES, update: FARES },
  },
  'plugin::transit-passes.order': {},
  'plugin::transit-passes.pass': {},
  // Requests are written through the process's routes (drafts by account managers), certificates by the process only.
  'plugin::repair-approvals.request': {},
  'plugin::repair-approvals.certificate': {},
  'api::audit-log.audit-log': {},
};

export const EDITOR_NAMES: Record<string, string> = {
  'customer-success': 'Customer Success',
  finance: 'Finance',
  'api-token': 'An API token',
  admin: 'An administrator',
};

const editorName = (editor: string) => EDITOR_NAMES[editor] ?? `The ${editor} role`;

export const withArticle = (label: string) => (/^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`);

/**
 * Why `editor` may not make this write, or null when it may. `fields` are the fields the write
 * actually sets (create) or changes (update), with the values asked for.
 */
export const policyRefusal = (
  uid: string,
  label: string,
  editor: string,
  action: 'create' | 'update',
  fields: Record<string, unknown>,
): { message: string; field?: string } | null => {
  const policy = WRITE_POLICY[uid];
  if (!policy) return null;
  const rights = policy[editor as Editor]?.[action];
  const who = editorName(editor);
  if (!rights) {
    return {
      message:
        action === 'create'
          ? `${who} may not create ${withArticle(label)}: ${label}s are created by the application`
          : `${who} may not change ${withArticle(label)}`,
    };
  }
  const allowedList = Object.keys(rights).join(', ');
  for (const [field, value] of Object.entries(fields)) {
    const allowed = rights[field];
    if (!allowed) {
      return { field, message: `${who} may not ${action === 'create' ? 'set' : 'change'} the ${field} of ${withArticle(label)} (allowed: ${allowedList})` };
    }
    if (allowed !== true && !allowed.includes(String(value))) {
      return { field, message: `${who} may set ${withArticle(label)}'s ${field} only to ${allowed.join(' or ')}, not ${String(value)}` };
    }
  }
  return null;
};
