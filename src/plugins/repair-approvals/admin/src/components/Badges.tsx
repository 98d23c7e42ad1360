import { Badge } from '@strapi/design-system';
import { StateBadge as SharedStateBadge } from '../../../../../admin-shared/StateBadge';
import { STATUS_LABELS } from '../format';

/** A request's, run's, step's or task's state as a coloured badge; a request's worded for people ("Under review"). */
export const StateBadge = ({ state }: { state: string | null | undefined }) => (
  <SharedStateBadge state={state} label={(value) => STATUS_LABELS[value] ?? value} />
);

/** Whether the credit check found the exposure over the customer's limit; not run yet: nothing. */
export const CreditBadge = ({ over }: { over: boolean | null | undefined }) =>
  over == null ? null : <Badge variant={over ? 'danger' : 'success'}>{over ? 'Over limit' : 'Within limit'}</Badge>;
