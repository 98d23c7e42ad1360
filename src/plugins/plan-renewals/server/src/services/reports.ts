import type { Core } from '@strapi/strapi';
import { addCalendarMonths, format, isCalendarMonth, money } from '../../../../../domain';

/**
 * The monthly revenue report for month M (UTC calendar month), every figure aggregated by the
 * database: new pre-paid plans vs renewals (invoices paid in M, count and amounts per currency),
 * cancellations and expiries (status changes in M), MRR at the start (snapshot of M-1) and the
 * end (snapshot of M) with the movements between them, cash collected and refunded per currency,
 * and tasks completed and found overdue per role. Stored once per month; as JSON or CSV.
 */
export const REPORT_UID = 'plugin::plan-renewals.monthly-report';

/** The report as CSV rows `section,metric,currency,value`; money values are integer minor units. */
export const reportCsv = (report: any): string => {
  const rows: (string | number)[][] = [['section', 'metric', 'currency', 'value']];
  for (const sale of report.sales) {
    for (const kind of ['new', 'renewal'] as const) {
      rows.push(['sales', `${kind}.count`, sale.currency, sale[kind].count]);
      rows.push(['sales', `${kind}.totalMinor`, sale.currency, sale[kind].totalMinor]);
      rows.push(['sales', `${kind}.taxMinor`, sale.currency, sale[kind].taxMinor]);
    }
  }
  rows.push(['plans', 'cancelled', '', report.plans.cancelled], ['plans', 'expired', '', report.plans.expired]);
  for (const movement of report.mrr.movements) {
    for (const metric of ['startMinor', 'newMinor', 'expansionMinor', 'reactivationMinor', 'contractionMinor', 'churnMinor', 'endMinor']) {
      rows.push(['mrr', metric, movement.currency, movement[metric]]);
    }
  }
  for (const cash of report.cash) rows.push(['cash', 'collectedMinor', cash.currency, cash.collectedMinor], ['cash', 'refundedMinor', cash.currency, cash.refundedMinor]);
  for (const task of report.tasks) rows.push(['tasks', `${task.role}.completed`, '', task.completed], ['tasks', `${task.role}.overdue`, '', task.overdue]);
  const cell = (value: string | number) => (/[",\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const at = (date: Date) => (strapi.db.dialect.client === 'sqlite' ? date.getTime() : date);
  const n = (value: unknown) => Number(value ?? 0);

  const compute = async (month: string) => {
    const start = new Date(`${month}-01T00:00:00.000Z`);
    const end = new Date(`${addCalendarMonths(month, 1)}-01T00:00:00.000Z`);
    const range = [at(start), at(end)];
    const mrr = strapi.plugin('plan-renewals').service('mrr');
    return strapi.db.transaction(async ({ trx }) => {
      const sales = await trx('invoices')
        .whereIn('state', ['Paid', 'Refunded'])
        .where('paid_at', '>=', range[0])
        .where('paid_at', '<', range[1])
        .groupBy('currency', 'kind')
        .select('currency', 'kind')
        .count({ count: '*' })
        .sum({ total: 'total_minor', tax: 'tax_minor' });
      const byCurrency = new Map<string, any>();
      for (const row of sales) {
        const entry = byCurrency.get(row.currency) ?? { currency: row.currency, new: { count: 0, totalMinor: 0, taxMinor: 0 }, renewal: { count: 0, totalMinor: 0, taxMinor: 0 } };
        entry[row.kind] = { count: n(row.count), totalMinor: n(row.total), taxMinor: n(row.tax) };
        byCurrency.set(row.currency, entry);
      }

      const changes = await trx('audit_logs')
        .where('action', 'service-plan.status-changed')
        .where('occurred_at', '>=', range[0])
        .where('occurred_at', '<', range[1])
        .where('entity_uid', 'api::service-plan.service-plan')
        .select(trx.raw(`SUM(CASE WHEN to_state = 'Cancelled' THEN 1 ELSE 0 END) AS cancelled`))
        .select(trx.raw(`SUM(CASE WHEN to_state = 'Expired' THEN 1 ELSE 0 END) AS expired`));

      const collected = await trx('transactions')
        .whereIn('state', ['Success', 'Refunded'])
        .where('occurred_at', '>=', range[0])
        .where('occurred_at', '<', range[1])
        .groupBy('currency')
        .select('currency')
        .sum({ amount: 'amount_minor' });
      const refunded = await trx('transactions')
        .where('state', 'Refunded')
        .where('refunded_at', '>=', range[0])
        .where('refunded_at', '<', range[1])
        .groupBy('currency')
        .select('currency')
        .sum({ amount: 'amount_minor' });
      const currencies = [...new Set([...collected, ...refunded].map((row: any) => row.currency as string))].sort();
      const cash = currencies.map((currency) => ({
        currency,
        collectedMinor: n(collected.find((row: any) => row.currency === currency)?.amount),
        refundedMinor: n(refunded.find((row: any) => row.currency === currency)?.amount),
      }));

      const completed = await trx('plan_renewal_tasks')
        .where('completed_at', '>=', range[0])
        .where('completed_at', '<', range[1])
        .groupBy('role')
        .select('role')
        .count({ count: '*' });
      const overdue = await trx('plan_renewal_tasks')
        .where('escalated_at', '>=', range[0])
        .where('escalated_at', '<', range[1])
        .groupBy('role')
        .select('role')
        .count({ count: '*' });
      const tasks = ['finance', 'customer-success'].map((role) => ({
        role,
        completed: n(completed.find((row: any) => row.role === role)?.count),
        overdue: n(overdue.find((row: any) => row.role === role)?.count),
      }));

      const snapshot = (period: string) => strapi.db.query('plugin::plan-renewals.mrr-snapshot').findMany({ where: { period }, orderBy: { currency: 'asc' } });
      const figures = (rows: any[]) => rows.map((row) => ({ currency: row.currency, mrrMinor: n(row.mrrMinor), activePlans: row.activePlans }));
      return {
        month,
        generatedAt: new Date().toISOString(),
        sales: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
        plans: { cancelled: n(changes[0]?.cancelled), expired: n(changes[0]?.expired) },
        mrr: {
          start: figures(await snapshot(addCalendarMonths(month, -1))),
          end: figures(await snapshot(month)),
          movements: await mrr.movements(addCalendarMonths(month, -1), month),
        },
        cash,
        tasks,
      };
    });
  };

  const service = {
    /** Computes and stores the report of `month` (replacing an earlier one), then emails Finance. */
    async generate(month: string) {
      if (!isCalendarMonth(month)) throw new Error(`A month is YYYY-MM, not ${month}`);
      const data = await compute(month);
      const existing = await strapi.db.query(REPORT_UID as any).findOne({ where: { month } });
      if (existing) await strapi.db.query(REPORT_UID as any).update({ where: { id: existing.id }, data: { data, generatedAt: new Date() } });
      else await strapi.documents(REPORT_UID as any).create({ data: { month, data, generatedAt: new Date() } as any });
      const finance = await strapi.db.query('plugin::users-permissions.user').findMany({ where: { role: { type: 'finance' }, blocked: false } });
      const lines = data.sales.map((s: any) => `${s.currency}: ${s.new.count} new (${format(money(s.new.totalMinor, s.currency))}), ${s.renewal.count} renewals (${format(money(s.renewal.totalMinor, s.currency))})`);
      for (const user of finance) {
        await strapi.plugin('plan-renewals').service('card-payments').email(
          `report:${month}:${data.generatedAt}:${user.id}`,
          user.email,
          `Monthly revenue report ${month}`,
          `The revenue report for ${month} is ready.\n\n${lines.join('\n') || 'No plans were sold or renewed.'}\nCancelled: ${data.plans.cancelled}, expired: ${data.plans.expired}.\n\nFull report: GET /api/plan-renewals/reports/monthly/${month} (JSON, or CSV with ?format=csv).\n`,
        );
      }
      await strapi.plugin('plan-renewals').service('engine').flushOutbox();
      return data;
    },

    /** The stored report; a finished month without one is generated on first request. */
    async find(month: string, now: Date = new Date()) {
      const stored = await strapi.db.query(REPORT_UID as any).findOne({ where: { month } });
      if (stored) return stored.data;
      if (month >= now.toISOString().slice(0, 7)) return null;
      return service.generate(month);
    },
  };
  return service;
};
