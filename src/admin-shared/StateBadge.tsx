import { Badge } from '@strapi/design-system';

export type BadgeVariant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary' | 'alternative';

/** The colour of each state, the same colour for the same meaning on every page. */
const VARIANTS: Record<string, BadgeVariant> = {
  // runs, steps and tasks (the engine's)
  running: 'primary',
  waiting: 'warning',
  completed: 'success',
  done: 'success',
  accepted: 'success',
  approved: 'success',
  failed: 'danger',
  rejected: 'danger',
  cancelled: 'neutral',
  skipped: 'neutral',
  pending: 'secondary',
  open: 'warning',
  // invoices, plans, payments and orders
  Paid: 'success',
  Active: 'success',
  Success: 'success',
  Open: 'warning',
  Processing: 'primary',
  Pending: 'secondary',
  PastDue: 'danger',
  Failed: 'danger',
  Void: 'neutral',
  Refunded: 'alternative',
  Uncollectible: 'danger',
  Expired: 'neutral',
  Cancelled: 'neutral',
  // requests
  Draft: 'neutral',
  Submitted: 'secondary',
  UnderReview: 'warning',
  Approved: 'success',
  Rejected: 'danger',
};

/**
 * A state as a coloured badge; nothing for no state. `label` words it for people (the state
 * itself by default); `variants` recolours a plugin's own states.
 */
export const StateBadge = ({
  state,
  label,
  variants,
}: {
  state: string | null | undefined;
  label?: (state: string) => string;
  variants?: Record<string, BadgeVariant>;
}) => (state ? <Badge variant={variants?.[state] ?? VARIANTS[state] ?? 'neutral'}>{label ? label(state) : state}</Badge> : null);
