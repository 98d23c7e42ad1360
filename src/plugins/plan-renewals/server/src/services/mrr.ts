import type { Core } from '@strapi/strapi';

/**
 * MRR per currency, summed by the database: each Active service plan contributes its recurring
 * revenue per term divided by its term, rounded per plan half away from zero — the same rule as
 * the domain's `monthlyRecurringRevenue`, written as integer SQL ((2a + t) / 2t) so both
 * databases compute it exactly. Snapshots are stored per month and currency and refreshed in place.
 */
export const SNAPSHOT_UID = 'plugin::plan-renewals.mrr-snapshot';

export interface MrrFigure {
  currency: string;
  mrrMinor: number;
  arrMinor: number;
  activePlans: number;
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async current(): Promise<MrrFigure[]> {
    const knex = strapi.db.connection;
    // Inside the caller's transaction when there is one (a step of a run), so the query sees its
    // writes and, on SQLite, does not wait for the connection that transaction holds.
    const rows = await strapi.db.transaction(({ trx }) =>
      trx('service_plans as sp')
        .join('service_plans_plan_lnk as link', 'link.service_plan_id', 'sp.id')
        .join('plans as p', 'p.id', 'link.plan_id')
        .where('sp.state', 'Active')
        .groupBy('p.currency')
        .orderBy('p.currency')
        .select('p.currency as currency')
        .select(knex.raw('SUM((COALESCE(sp.recurring_minor, 0) * 2 + p.term_months) / (p.term_months * 2)) as mrr'))
        .count({ plans: '*' }),
    );
    return rows.map((row: any) => {
      const mrrMinor = Number(row.mrr);
      if (!Number.isSafeInteger(mrrMinor)) throw new Error(`MRR in ${row.currency} exceeds the safe integer range`);
      return { currency: row.currency, mrrMinor, arrMinor: mrrMinor * 12, activePlans: Number(row.plans) };
    });
  },

  /** Recomputes the snapshot of `period` (YYYY-MM) for every currency with active plans. */
  async refresh(period: string): Promise<MrrFigure[]> {
    const figures = await this.current();
    await strapi.db.transaction(async () => {
      for (const figure of figures) {
        const data = { period, currency: figure.currency, mrrMinor: figure.mrrMinor, activePlans: figure.activePlans, computedAt: new Date() };
        const existing = await strapi.db.query(SNAPSHOT_UID as any).findOne({ where: { period, currency: figure.currency } });
        if (existing) await strapi.db.query(SNAPSHOT_UID as any).update({ where: { id: existing.id }, data });
        else await strapi.documents(SNAPSHOT_UID as any).create({ data: data as any });
      }
    });
    return figures;
  },
});
