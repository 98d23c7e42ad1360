import {
  ADD_ON_BILLING,
  approvalRequestMachine,
  passMachine,
  passOrderMachine,
  E164_HINT,
  StateMachine,
  amountProblem,
  invoiceMachine,
  invoiceTotalsProblem,
  isCalendarDate,
  isEmail,
  normalizeEmail,
  servicePlanMachine,
  taxRateProblem,
  termProblem,
  toE164,
  transactionMachine,
} from '../domain';

/**
 * What the guards enforce for each billing content type. The rules themselves live in the pure
 * domain; this table says which rule applies to which field, and src/guards/index.ts applies the
 * table to every database write.
 */
export interface GuardRule {
  /** How the record is named in error messages and audit summaries. */
  label: string;
  machine?: StateMachine<string>;
  moneyFields?: readonly string[];
  currencyField?: string;
  /**
   * Fields (or groups of fields) whose values no other record may hold. The database's unique
   * indexes enforce this under concurrency; checking first gives the caller a clear message.
   */
  uniqueFields?: readonly (string | readonly string[])[];
  /** Fields that can never change once the record exists. */
  immutableFields?: readonly string[];
  /** Fields that can only change while the record is in the given state. */
  frozenUnless?: { state: string; fields: readonly string[] };
  /** A person who moves the record into one of `states` says why, in `field` (a 400 without it). */
  reasonFor?: { states: readonly string[]; field: string };
  /** Normalizes and checks scalar input before it is written; returns a problem or null. */
  checkInput?: (data: Record<string, unknown>) => string | null;
  /** Relations and components to load for `checkStored`. */
  populate?: Record<string, unknown>;
  /**
   * Checks the record as stored (with its components) inside the write's transaction. Declared as
   * a method so each rule reads the row as its own type's stored shape.
   */
  checkStored?(row: object): string | null;
  /** Bookkeeping fields of the process (payment attempts, retries) whose changes are not audited. */
  unaudited?: readonly string[];
  /** Whether and how a record may be deleted. */
  deletion: 'never' | 'when-unreferenced';
  deletionAdvice?: string;
  /** Relations that must be empty before a `when-unreferenced` record is deleted. */
  references?: readonly { uid: string; field: string; label: string }[];
}

/**
 * Trims and lower-cases a customer's email and writes the phone in E.164 (it is texted through
 * Twilio), in place; returns a problem or null. The phone is optional: empty clears it.
 */
export const normalizeCustomer = (data: Record<string, unknown>): string | null => {
  if (data.phone !== undefined && data.phone !== null) {
    if (typeof data.phone !== 'string') return 'phone must be a string';
    if (!data.phone.trim()) data.phone = null;
    else {
      const phone = toE164(data.phone);
      if (!phone) return `phone "${data.phone}" is not an E.164 number: ${E164_HINT}`;
      data.phone = phone;
    }
  }
  if (data.email === undefined) return null;
  if (typeof data.email !== 'string') return 'email must be a string';
  data.email = normalizeEmail(data.email);
  return isEmail(data.email as string) ? null : `email "${data.email}" is not a valid address`;
};

const checkPlanInput = (data: Record<string, unknown>): string | null => {
  if (data.termMonths !== undefined) {
    const problem = termProblem(data.termMonths);
    if (problem) return `term ${problem}`;
  }
  if (data.taxRateBps !== undefined) {
    const problem = taxRateProblem(data.taxRateBps);
    if (problem) return `tax rate ${problem}`;
  }
  return null;
};

/** The stored shapes the checks read (the query engine's row, with what `populate` loads). */
interface StoredPlan {
  code: string;
  addOns?: { code: string; feeMinor: unknown; billing: string }[] | null;
}

interface StoredServicePlan {
  addOnCodes?: unknown;
  plan?: Pick<StoredPlan, 'code' | 'addOns'> | null;
  startDate?: string | null;
  endDate?: string | null;
}

type StoredInvoice = Parameters<typeof invoiceTotalsProblem>[0] & { number: string };

const checkPlanStored = (plan: StoredPlan): string | null => {
  const seen = new Set<string>();
  for (const addOn of plan.addOns ?? []) {
    const problem = amountProblem(addOn.feeMinor);
    if (problem) return `add-on "${addOn.code}" fee ${problem}`;
    if (!(ADD_ON_BILLING as readonly string[]).includes(addOn.billing)) {
      return `add-on "${addOn.code}" billing must be ${ADD_ON_BILLING.join(' or ')}`;
    }
    if (seen.has(addOn.code)) return `add-on code "${addOn.code}" is used twice`;
    seen.add(addOn.code);
  }
  return null;
};

const checkServicePlanStored = (servicePlan: StoredServicePlan): string | null => {
  const codes = servicePlan.addOnCodes ?? [];
  if (!Array.isArray(codes) || codes.some((code) => typeof code !== 'string')) {
    return 'addOnCodes must be a list of add-on codes';
  }
  if (new Set(codes).size !== codes.length) return 'addOnCodes must not repeat a code';
  if (servicePlan.plan) {
    const offered = new Set((servicePlan.plan.addOns ?? []).map((a) => a.code));
    const unknown = codes.find((code: string) => !offered.has(code));
    if (unknown) return `has no add-on "${unknown}" to choose: its plan ${servicePlan.plan.code} offers ${[...offered].join(', ') || 'none'}`;
  }
  for (const field of ['startDate', 'endDate'] as const) {
    if (servicePlan[field] != null && !isCalendarDate(servicePlan[field])) return `${field} must be a date (YYYY-MM-DD)`;
  }
  if (servicePlan.startDate && servicePlan.endDate && servicePlan.endDate <= servicePlan.startDate) {
    return `end date ${servicePlan.endDate} must be after start date ${servicePlan.startDate}`;
  }
  return null;
};

const checkInvoiceStored = (invoice: StoredInvoice): string | null => {
  const problem = invoiceTotalsProblem({
    currency: invoice.currency,
    lines: invoice.lines ?? [],
    subtotalMinor: invoice.subtotalMinor,
    taxMinor: invoice.taxMinor,
    totalMinor: invoice.totalMinor,
  });
  return problem ? `invoice ${invoice.number}: ${problem}` : null;
};

const checkRequestInput = (data: Record<string, unknown>): string | null =>
  data.taxRateBps === undefined ? null : taxRateProblem(data.taxRateBps) && `tax rate ${taxRateProblem(data.taxRateBps)}`;

export const GUARD_RULES: Record<string, GuardRule> = {
  'plugin::transit-passes.fare-product': {
    label: 'fare product',
    moneyFields: ['priceMinor', 'serviceFeeMinor'],
    currencyField: 'currency',
    checkInput: (data) => (data.taxRateBps === undefined ? null : taxRateProblem(data.taxRateBps) && `tax rate ${taxRateProblem(data.taxRateBps)}`),
    uniqueFields: ['code'],
    immutableFields: ['code'],
    deletion: 'when-unreferenced',
    deletionAdvice: 'take it off sale by setting active to false',
    references: [{ uid: 'plugin::transit-passes.order', field: 'product', label: 'orders' }],
  },
  'plugin::transit-passes.order': {
    label: 'pass order',
    machine: passOrderMachine,
    moneyFields: ['subtotalMinor', 'taxMinor', 'totalMinor', 'refundedMinor'],
    currencyField: 'currency',
    uniqueFields: ['number'],
    immutableFields: ['number', 'customer', 'product', 'kind', 'currency', 'lines', 'subtotalMinor', 'taxMinor', 'totalMinor'],
    deletion: 'never',
    deletionAdvice: 'an order is cancelled, with its refund',
  },
  'plugin::transit-passes.pass': {
    label: 'pass',
    machine: passMachine,
    uniqueFields: ['code'],
    immutableFields: ['code', 'customer', 'product', 'order'],
    // Expired temporary passes are removed by the clean-up (the audit log keeps them); any other is revoked.
    deletion: 'when-unreferenced',
  },
  'plugin::repair-approvals.request': {
    label: 'approval request',
    machine: approvalRequestMachine,
    moneyFields: ['subtotalMinor', 'taxMinor', 'totalMinor'],
    currencyField: 'currency',
    checkInput: checkRequestInput,
    uniqueFields: ['number'],
    immutableFields: ['number', 'requestedBy'],
    // A submitted request's lines are frozen: what is reviewed is what is authorized.
    frozenUnless: { state: 'Draft', fields: ['customer', 'vehicle', 'currency', 'lines', 'taxRateBps'] },
    deletion: 'when-unreferenced',
    deletionAdvice: 'an authorized request is kept with its certificate',
    references: [{ uid: 'plugin::repair-approvals.certificate', field: 'request', label: 'an authorization certificate' }],
  },
  'plugin::repair-approvals.certificate': {
    label: 'authorization certificate',
    moneyFields: ['authorizedTotalMinor'],
    currencyField: 'currency',
    uniqueFields: ['number'],
    // Immutable once written: a price change needs a new authorization.
    immutableFields: ['number', 'request', 'customer', 'currency', 'authorizedTotalMinor', 'linesSnapshot', 'snapshotSha256', 'decisions', 'authorizedAt', 'validUntil'],
    deletion: 'never',
    deletionAdvice: 'a certificate is the record of an authorization',
  },
  'api::customer.customer': {
    label: 'customer',
    moneyFields: ['creditLimitMinor', 'committedCreditMinor'],
    currencyField: 'currency',
    checkInput: normalizeCustomer,
    uniqueFields: ['email', 'stripeCustomerId'],
    deletion: 'when-unreferenced',
    references: [
      { uid: 'api::service-plan.service-plan', field: 'customer', label: 'service plans' },
      { uid: 'api::invoice.invoice', field: 'customer', label: 'invoices' },
    ],
  },
  'api::plan.plan': {
    label: 'plan',
    moneyFields: ['priceMinor'],
    currencyField: 'currency',
    checkInput: checkPlanInput,
    populate: { addOns: true },
    checkStored: checkPlanStored,
    deletion: 'when-unreferenced',
    deletionAdvice: 'retire it by setting active to false',
    references: [{ uid: 'api::service-plan.service-plan', field: 'plan', label: 'service plans' }],
  },
  'api::service-plan.service-plan': {
    label: 'service plan',
    machine: servicePlanMachine,
    moneyFields: ['recurringMinor'],
    populate: { plan: { populate: { addOns: true } } },
    checkStored: checkServicePlanStored,
    deletion: 'never',
    deletionAdvice: 'cancel it instead',
  },
  'api::invoice.invoice': {
    label: 'invoice',
    machine: invoiceMachine,
    moneyFields: ['subtotalMinor', 'taxMinor', 'totalMinor'],
    currencyField: 'currency',
    immutableFields: ['number', 'kind'],
    unaudited: ['paymentAttempts', 'nextPaymentAttemptAt', 'paymentRequest', 'paymentRequestedAt'],
    frozenUnless: { state: 'Open', fields: ['currency', 'subtotalMinor', 'taxMinor', 'totalMinor'] },
    reasonFor: { states: ['Void', 'Uncollectible'], field: 'closingReason' },
    populate: { lines: true },
    checkStored: checkInvoiceStored,
    deletion: 'never',
    deletionAdvice: 'void it instead',
  },
  'api::transaction.transaction': {
    label: 'transaction',
    machine: transactionMachine,
    moneyFields: ['amountMinor'],
    currencyField: 'currency',
    immutableFields: ['amountMinor', 'currency', 'provider', 'providerReference'],
    uniqueFields: [['provider', 'providerReference']],
    deletion: 'never',
    deletionAdvice: 'record a refund instead',
  },
};

