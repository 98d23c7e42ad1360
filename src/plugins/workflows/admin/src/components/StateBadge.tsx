import { Badge } from '@strapi/design-system';
import { stateLabel } from '../format';

type Variant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary' | 'alternative';

const VARIANTS: Record<string, Variant> = {
  // runs, steps and a parallel step's tasks
  running: 'primary',
  waiting: 'warning',
  completed: 'success',
  done: 'success',
  accepted: 'success',
  failed: 'danger',
  rejected: 'danger',
  cancelled: 'neutral',
  skipped: 'neutral',
  pending: 'secondary',
  // task rows
  open: 'warning',
};

/** A state as a coloured badge, the same colour for the same meaning on every page. */
export const StateBadge = ({ state }: { state: string | null | undefined }) =>
  state ? <Badge variant={VARIANTS[state] ?? 'neutral'}>{stateLabel(state)}</Badge> : null;
