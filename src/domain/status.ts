/**
 * The state machines of the billing records, as data. Each status list is shared by the content
 * type's enumeration and the TypeScript type; each table lists where a status may go next.
 * Staying in the same status is not a transition and is always allowed.
 */
export const SERVICE_PLAN_STATUSES = ['Pending', 'Processing', 'Active', 'PastDue', 'Expired', 'Cancelled'] as const;
export type ServicePlanStatus = (typeof SERVICE_PLAN_STATUSES)[number];

export const INVOICE_STATUSES = ['Open', 'Paid', 'Void', 'Uncollectible', 'Refunded'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const TRANSACTION_STATUSES = ['Pending', 'Success', 'Failed', 'Refunded'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

export interface StateMachine<S extends string> {
  name: string;
  statuses: readonly S[];
  /** Statuses a record may be created in. */
  initial: readonly S[];
  transitions: Readonly<Record<S, readonly S[]>>;
}

export const servicePlanMachine: StateMachine<ServicePlanStatus> = {
  name: 'service plan',
  statuses: SERVICE_PLAN_STATUSES,
  initial: ['Pending'],
  transitions: {
    // A purchase is processed, or abandoned before it is.
    Pending: ['Processing', 'Cancelled'],
    // Processing ends in activation, or (payment rejected) back where the plan stood before.
    Processing: ['Active', 'PastDue', 'Expired', 'Cancelled'],
    // A renewal starts processing; unpaid renewals go past due; terms end; customers cancel.
    Active: ['Processing', 'PastDue', 'Expired', 'Cancelled'],
    PastDue: ['Processing', 'Active', 'Expired', 'Cancelled'],
    // A lapsed plan can be brought back by a (late) renewal.
    Expired: ['Processing', 'Cancelled'],
    Cancelled: [],
  },
};

export const invoiceMachine: StateMachine<InvoiceStatus> = {
  name: 'invoice',
  statuses: INVOICE_STATUSES,
  initial: ['Open'],
  transitions: {
    Open: ['Paid', 'Void', 'Uncollectible'],
    // Money received can only be given back, never un-received.
    Paid: ['Refunded'],
    // A written-off invoice may still be paid late, or voided.
    Uncollectible: ['Paid', 'Void'],
    Void: [],
    Refunded: [],
  },
};

export const transactionMachine: StateMachine<TransactionStatus> = {
  name: 'transaction',
  statuses: TRANSACTION_STATUSES,
  // A counter payment is recorded as already successful; a declined card as already failed.
  initial: ['Pending', 'Success', 'Failed'],
  transitions: {
    Pending: ['Success', 'Failed'],
    // A failed attempt of the same payment can still succeed on retry; a success never fails.
    Failed: ['Success'],
    Success: ['Refunded'],
    Refunded: [],
  },
};

export class TransitionError extends Error {
  constructor(
    message: string,
    readonly from: string | null,
    readonly to: string,
  ) {
    super(message);
    this.name = 'TransitionError';
  }
}

export const canTransition = <S extends string>(machine: StateMachine<S>, from: S, to: S): boolean =>
  from === to || (machine.transitions[from] ?? []).includes(to);

/** Throws a TransitionError naming both statuses when `from -> to` is not allowed. */
export const assertTransition = <S extends string>(machine: StateMachine<S>, from: string, to: string): void => {
  if (!machine.statuses.includes(to as S)) {
    throw new TransitionError(`Unknown ${machine.name} status "${to}"`, from, to);
  }
  if (!machine.statuses.includes(from as S)) {
    throw new TransitionError(`Unknown current ${machine.name} status "${from}"`, from, to);
  }
  if (!canTransition(machine, from as S, to as S)) {
    const allowed = machine.transitions[from as S];
    throw new TransitionError(
      `A ${machine.name} cannot go from ${from} to ${to}` +
        (allowed.length ? ` (from ${from} it can go to ${allowed.join(', ')})` : ` (${from} is final)`),
      from,
      to,
    );
  }
};

/** Throws unless `status` is one a new record may start in. */
export const assertInitial = <S extends string>(machine: StateMachine<S>, status: string): void => {
  if (!machine.initial.includes(status as S)) {
    throw new TransitionError(
      `A new ${machine.name} cannot start as ${status} (it starts as ${machine.initial.join(' or ')})`,
      null,
      status,
    );
  }
};
