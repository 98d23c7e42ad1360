import type { Core } from '@strapi/strapi';
import { CalendarDate, counted, currentPeriod } from '../../../../../domain';

/** A service plan row as the migration reads it, with its Paid invoices' periods. */
interface PlanToMigrate {
  id: number;
  startDate: CalendarDate;
  endDate: CalendarDate;
  invoices?: { periodStart: CalendarDate; periodEnd: CalendarDate }[];
}

/**
 * The bootstrap migration of the plan dates, idempotent: service plans stored before
 * `currentPeriodStart`/`currentPeriodEnd` existed get the period covering today (the domain's
 * `currentPeriod` over their Paid invoices, else their own start and end dates). A plan that has
 * the fields already is never touched, so running it at every start changes nothing twice.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async migrate(today: string = new Date().toISOString().slice(0, 10)) {
    let migrated = 0;
    let after = 0;
    for (;;) {
      const plans: PlanToMigrate[] = await strapi.db.query('api::service-plan.service-plan').findMany({
        where: { currentPeriodStart: null, startDate: { $notNull: true }, endDate: { $notNull: true }, id: { $gt: after } },
        populate: { invoices: { where: { state: 'Paid' }, select: ['periodStart', 'periodEnd'] } },
        orderBy: { id: 'asc' },
        limit: 500,
      });
      if (!plans.length) break;
      after = plans[plans.length - 1].id;
      for (const plan of plans) {
        const paid = (plan.invoices ?? []).map((i) => ({ start: i.periodStart, end: i.periodEnd }));
        const current = currentPeriod(paid, today) ?? { start: plan.startDate, end: plan.endDate };
        // Straight to the table: this fills in a derived column and is not a change of the plan.
        await strapi.db.connection('service_plans').where({ id: plan.id }).whereNull('current_period_start').update({ current_period_start: current.start, current_period_end: current.end });
        migrated += 1;
      }
    }
    if (migrated) strapi.log.info(`Plan dates: the current period filled in for ${counted(migrated, 'service plan')}`);
    return { migrated };
  },
});
