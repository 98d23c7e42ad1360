import { Badge } from '@strapi/design-system';

type Variant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary' | 'alternative';

const VARIANTS: Record<string, Variant> = {
  // runs and steps
  running: 'primary',
  waiting: 'warning',
  completed: 'success',
  done: 'success',
  failed: 'danger',
  rejected: 'danger',
  cancelled: 'neutral',
  skipped: 'neutral',
  pending: 'secondary',
  // tasks
  open: 'warning',
  // invoices, plans and payments
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
};

/** A state as a coloured badge, the same colour for the same meaning on every page. */
export const StateBadge = ({ state }: { state: string | null | undefined }) =>
  state ? <Badge variant={VARIANTS[state] ?? 'neutral'}>{state}</Badge> : null;
