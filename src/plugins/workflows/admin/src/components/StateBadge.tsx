import { StateBadge as Badge } from '../../../../../admin-shared/StateBadge';
import { stateLabel } from '../format';

/** A run's, step's or task's state as a coloured badge, worded as the engine's pages read it. */
export const StateBadge = ({ state }: { state: string | null | undefined }) => <Badge state={state} label={stateLabel} />;
