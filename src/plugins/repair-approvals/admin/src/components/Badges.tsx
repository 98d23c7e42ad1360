import { Badge } from '@strapi/design-system';
import { STATUS_LABELS } from '../format';

type Variant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary' | 'alternative';

const VARIANTS: Record<string, Variant> = {
  // requests
  Draft: 'neutral',
  Submitted: 'secondary',
  UnderReview: 'warning',
  Approved: 'success',
  Rejected: 'danger',
  // runs, steps and tasks
  running: 'primary',
  waiting: 'warning',
  completed: 'success',
  done: 'success',
  failed: 'danger',
  rejected: 'danger',
  approved: 'success',
  cancelled: 'neutral',
  skipped: 'neutral',
  pending: 'secondary',
  open: 'warning',
};

/** A state as a coloured badge, the same colour for the same meaning on every page. */
export const StateBadge = ({ state }: { state: string | null | undefined }) =>
  state ? <Badge variant={VARIANTS[state] ?? 'neutral'}>{STATUS_LABELS[state] ?? state}</Badge> : null;

/** Whether the credit check found the exposure over the customer's limit; not run yet: nothing. */
export const CreditBadge = ({ over }: { over: boolean | null | undefined }) =>
  over == null ? null : <Badge variant={over ? 'danger' : 'success'}>{over ? 'Over limit' : 'Within limit'}</Badge>;
