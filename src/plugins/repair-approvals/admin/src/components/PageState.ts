/**
 * Loading, error and empty states, figures and cards: the plan-renewals pages' own, so every page
 * of the panel looks the same.
 */
export { Card, Empty, Failure, Loading, Stat } from '../../../../plan-renewals/admin/src/components/PageState';
