import type { Core, Modules } from '@strapi/strapi';
import { atStartup } from '../../../../../setup/database';
import type { Transaction } from '../../../../../setup/knex';
import { MRR_DEFINITIONS, MrrMovementTotals, arpaMinor, churnRateBps, dateInZone, isCalendarMonth, mrrMeasureDay, reconciles } from '../../../../../domain';

/**
 * MRR per currency, computed by the database with the domain's one rule (`countsForMrr`,
 * `planMrrMinor` in src/domain/coverage.ts): a plan counts on a day when one of its Paid invoices
 * covers that day (period start <= day < period end) and the plan is not Cancelled, whatever
 * state its renewal run is in; it contributes its recurring revenue per term (price plus
 * recurring add-ons; tax and one-time fees excluded) divided by its term, rounded per plan half
 * away from zero — `monthlyRecurringRevenue` written as integer SQL ((2a + t) / 2t), so both
 * databases compute it exactly. ARR is 12 × MRR.
 *
 * The same rule serves the live figure (today), the daily refresh of the current month (today),
 * the closing of a finished month (its last day in the jobs' time zone: once, after it ended, and
 * never recomputed afterwards), the backfill of a month without a figure and the reports.
 *
 * A refresh of month M stores, in one transaction, each customer's MRR per currency (the MRR
 * lines of M) and the month's totals (the snapshot). Movements between two months compare the
 * customers' lines by the definitions in src/domain/mrr-movements.ts (`movementOf`): new,
 * expansion, contraction, churn and reactivation (a customer back after a month without MRR),
 * which reconcile exactly: start + new + expansion + reactivation - contraction - churn = end,
 * because each customer's change lands in at most one of them (checked on every answer). Beside
 * them: the customer churn rate (`churnRateBps`) and, per month, ARPA (`arpaMinor`), each with its
 * one-line definition. The comparison is two keyed left joins (no FULL JOIN of derived tables,
 * which SQLite would scan pairwise), so it stays O(n log n) over the lines' primary key.
 */
export const SNAPSHOT_UID = 'plugin::plan-renewals.mrr-snapshot';
export const LINES_TABLE = 'plan_renewal_mrr_lines';
/** The lines of a refresh as computed, before they are compared with the stored ones (temporary). */
const COMPUTED_TABLE = 'mrr_refresh_lines';

export interface MrrFigure {
  currency: string;
  mrrMinor: number;
  arrMinor: number;
  activePlans: number;
}

export interface MrrMovement extends MrrMovementTotals {
  from: string;
  to: string;
  /** Customers churned ÷ customers with MRR at the start, in basis points; null with none at the start. */
  churnRateBps: number | null;
}

/** A stored snapshot: one month's figure in one currency. */
export interface SnapshotRow {
  id: number;
  period: string;
  currency: string;
  /** A big integer: a string from PostgreSQL. */
  mrrMinor: number | string;
  activePlans: number;
  computedAt: string;
  measuredOn: string | null;
  closedAt: string | null;
}

/** An integer the database computed (a count or a sum): a string from PostgreSQL (bigint, numeric), null for a sum of no rows. */
type DbNumber = number | string | null;

/** The MRR and the plans summed per currency. */
interface SumRow {
  currency: string;
  mrr: DbNumber;
  plans: DbNumber;
}

/** One currency's movements between two months' lines, as `movements` sums them. */
interface MovementRow {
  currency: string;
  start_minor: DbNumber;
  end_minor: DbNumber;
  start_customers: DbNumber;
  end_customers: DbNumber;
  new_minor: DbNumber;
  reactivation_minor: DbNumber;
  expansion_minor: DbNumber;
  contraction_minor: DbNumber;
  churn_minor: DbNumber;
  new_customers: DbNumber;
  reactivated_customers: DbNumber;
  expanded_customers: DbNumber;
  contracted_customers: DbNumber;
  churned_customers: DbNumber;
}

const safe = (value: unknown, what: string): number => {
  const number = Number(value ?? 0);
  if (!Number.isSafeInteger(number)) throw new Error(`${what} exceeds the safe integer range`);
  return number;
};

const assertPeriod = (period: string) => {
  if (!isCalendarMonth(period)) throw new Error(`A month is YYYY-MM, not ${period}`);
};

/** A per-currency sum row as the figures the API and the snapshots use. */
const toFigure = (row: SumRow): MrrFigure => {
  const mrrMinor = safe(row.mrr, `MRR in ${row.currency}`);
  return { currency: row.currency, mrrMinor, arrMinor: mrrMinor * 12, activePlans: safe(row.plans, 'plan count') };
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const timezone = () => (strapi.config.get('plugin::plan-renewals') as { jobs: { timezone: string } }).jobs.timezone;
  const todayOf = (now: Date) => dateInZone(now, timezone());

  /**
   * Each customer's MRR per currency on day `asOf`, as a query (not loaded into memory): the
   * domain's `countsForMrr` — a Paid invoice of the plan covers the day, the plan is not Cancelled.
   */
  const perCustomer = (trx: Transaction, asOf: string) =>
    trx('service_plans as sp')
      .join('service_plans_plan_lnk as pl', 'pl.service_plan_id', 'sp.id')
      .join('plans as p', 'p.id', 'pl.plan_id')
      .join('service_plans_customer_lnk as cl', 'cl.service_plan_id', 'sp.id')
      .whereNot('sp.state', 'Cancelled')
      // The plans with a Paid invoice covering the day, as one uncorrelated set: PostgreSQL joins
      // it like EXISTS, and SQLite builds it once instead of probing invoices per plan (without
      // table statistics it would read every Paid invoice for each plan).
      .whereIn(
        'sp.id',
        trx('invoices as i')
          .join('invoices_service_plan_lnk as il', 'il.invoice_id', 'i.id')
          .where('i.state', 'Paid')
          .where('i.period_start', '<=', asOf)
          .where('i.period_end', '>', asOf)
          .select('il.service_plan_id'),
      )
      .groupBy('p.currency', 'cl.customer_id')
      .select('p.currency as currency', 'cl.customer_id as customer_id')
      .select(trx.raw('SUM((COALESCE(sp.recurring_minor, 0) * 2 + p.term_months) / (p.term_months * 2)) as mrr_minor'))
      .select(trx.raw('COUNT(*) as active_plans'));

  /**
   * Brings month `period`'s stored lines to what the rule measures on `asOf` and answers the totals
   * per currency, inside the caller's transaction. The lines are computed once, by one aggregate
   * over the plans, into a temporary table (on PostgreSQL a CREATE TABLE AS, which may run in
   * parallel where an INSERT ... SELECT may not); the stored lines then change only where they
   * differ: lines gone are deleted, changed ones updated, new ones inserted. A refresh that finds
   * nothing new writes no line (rewriting every line of the month costed more than computing them),
   * and the totals are summed from the computed lines.
   */
  const writeLines = async (trx: Transaction, period: string, asOf: string) => {
    const postgres = strapi.db.dialect.client === 'postgres';
    const select = perCustomer(trx, asOf).toString();
    if (postgres) {
      await trx.raw(`CREATE TEMPORARY TABLE ${COMPUTED_TABLE} ON COMMIT DROP AS ${select}`);
      await trx.raw(`ANALYZE ${COMPUTED_TABLE}`);
    } else {
      // A temporary table lives as long as the connection: one left by an earlier refresh goes first.
      await trx.raw(`DROP TABLE IF EXISTS temp.${COMPUTED_TABLE}`);
      await trx.raw(
        `CREATE TEMPORARY TABLE ${COMPUTED_TABLE} (currency TEXT NOT NULL, customer_id INTEGER NOT NULL, mrr_minor INTEGER NOT NULL, active_plans INTEGER NOT NULL, PRIMARY KEY (currency, customer_id)) WITHOUT ROWID`,
      );
      await trx.raw(`INSERT INTO ${COMPUTED_TABLE} (currency, customer_id, mrr_minor, active_plans) ${select}`);
    }
    const same = (a: string, b: string) => `${a}.currency = ${b}.currency AND ${a}.customer_id = ${b}.customer_id`;
    await trx.raw(`DELETE FROM ?? WHERE period = ? AND NOT EXISTS (SELECT 1 FROM ${COMPUTED_TABLE} c WHERE ${same('c', LINES_TABLE)})`, [LINES_TABLE, period]);
    await trx.raw(
      `UPDATE ?? SET mrr_minor = c.mrr_minor, active_plans = c.active_plans FROM ${COMPUTED_TABLE} c
       WHERE ${LINES_TABLE}.period = ? AND ${same('c', LINES_TABLE)} AND (${LINES_TABLE}.mrr_minor <> c.mrr_minor OR ${LINES_TABLE}.active_plans <> c.active_plans)`,
      [LINES_TABLE, period],
    );
    // New lines: the ones already stored (just updated or unchanged) are skipped by the lines' key.
    // Not an anti-join against the lines table: the plan is made before the statement fills the
    // table, and PostgreSQL, seeing it empty, would scan it again for every line it inserts.
    await trx.raw(
      `INSERT INTO ?? (period, currency, customer_id, mrr_minor, active_plans)
       SELECT ?, c.currency, c.customer_id, c.mrr_minor, c.active_plans FROM ${COMPUTED_TABLE} c WHERE 1 = 1
       ON CONFLICT (period, currency, customer_id) DO NOTHING`,
      [LINES_TABLE, period],
    );
    const totals: SumRow[] = await trx(COMPUTED_TABLE).groupBy('currency').orderBy('currency').select('currency').sum({ mrr: 'mrr_minor', plans: 'active_plans' });
    await trx.raw(`DROP TABLE ${postgres ? '' : 'temp.'}${COMPUTED_TABLE}`);
    return totals;
  };

  /** Month `period`'s stored figures (the snapshot), and whether the month is closed. */
  const storedFigures = async (period: string) => {
    const rows: SnapshotRow[] = await strapi.db.query(SNAPSHOT_UID).findMany({ where: { period }, orderBy: { currency: 'asc' } });
    return {
      closed: rows.length > 0 && rows.every((row) => row.closedAt),
      figures: rows.map((row) => toFigure({ currency: row.currency, mrr: row.mrrMinor, plans: row.activePlans })),
    };
  };

  /**
   * Stores month `period`'s lines and totals as measured on day `asOf`; `close` marks a finished
   * month's figure final. A closed month is never written again (checked under the month's lock).
   */
  const store = async (period: string, asOf: string, close: boolean): Promise<MrrFigure[] | null> => {
    assertPeriod(period);
    return strapi.db.transaction(async ({ trx }): Promise<MrrFigure[] | null> => {
      // Refreshes of one month run one at a time (runs completing on several instances, the
      // daily job): two at once would each delete the other's uncommitted lines and insert
      // theirs again, and one would fail on the lines' unique key. SQLite serializes writers anyway.
      if (strapi.db.dialect.client === 'postgres') await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`mrr-refresh:${period}`]);
      if ((await storedFigures(period)).closed) return null;
      const totals = await writeLines(trx, period, asOf);
      const figures: MrrFigure[] = totals.map(toFigure);
      const stored: SnapshotRow[] = await strapi.db.query(SNAPSHOT_UID).findMany({ where: { period } });
      for (const snapshot of stored) {
        // A currency without active plans any more is at zero, not left at its old figure.
        if (!figures.some((f) => f.currency === snapshot.currency)) {
          await strapi.db.query(SNAPSHOT_UID).update({ where: { id: snapshot.id }, data: { mrrMinor: 0, activePlans: 0, computedAt: new Date(), measuredOn: asOf, closedAt: close ? new Date() : null } });
        }
      }
      for (const figure of figures) {
        const data = { period, currency: figure.currency, mrrMinor: figure.mrrMinor, activePlans: figure.activePlans, computedAt: new Date(), measuredOn: asOf, closedAt: close ? new Date() : null };
        const existing = stored.find((s) => s.currency === figure.currency);
        // An open month's closedAt is null, which Strapi stores but its input type does not list.
        if (existing) await strapi.db.query(SNAPSHOT_UID).update({ where: { id: existing.id }, data });
        else await strapi.documents(SNAPSHOT_UID).create({ data: data as Modules.Documents.Params.Data.Input<typeof SNAPSHOT_UID> });
      }
      return figures;
    });
  };

  const service = {
    /** The table of per-customer lines (Strapi does not manage it); created at bootstrap. */
    async ensureTables() {
      // Instances starting together on PostgreSQL take turns: see atStartup.
      await atStartup(strapi, LINES_TABLE, async (trx) => {
        if (await trx.schema.hasTable(LINES_TABLE)) return;
        await trx.schema.createTable(LINES_TABLE, (table) => {
          table.string('period', 7).notNullable();
          table.string('currency', 3).notNullable();
          table.integer('customer_id').notNullable();
          table.bigInteger('mrr_minor').notNullable();
          table.integer('active_plans').notNullable();
          table.primary(['period', 'currency', 'customer_id']);
          table.index(['customer_id', 'currency', 'period']);
        });
      });
    },

    /** MRR now (today in the jobs' time zone), per currency, without storing anything. */
    async current(now: Date = new Date()): Promise<MrrFigure[]> {
      const today = todayOf(now);
      // Inside the caller's transaction when there is one (a step of a run), so the query sees its
      // writes and, on SQLite, does not wait for the connection that transaction holds.
      const rows: SumRow[] = await strapi.db.transaction(({ trx }) =>
        trx
          .from(perCustomer(trx, today).as('c'))
          .groupBy('currency')
          .orderBy('currency')
          .select('currency')
          .sum({ mrr: 'mrr_minor', plans: 'active_plans' }),
      );
      return rows.map(toFigure);
    },

    /**
     * Month `period` (YYYY-MM) as the rule measures it: the current month live (today, replacing the
     * earlier figure of the month), a finished month closed at its last day (once; a closed month
     * answers its stored figures). Every customer's line, then the totals per currency.
     */
    async refresh(period: string, now: Date = new Date()): Promise<MrrFigure[]> {
      assertPeriod(period);
      const { day, final } = mrrMeasureDay(period, todayOf(now));
      if (final) return (await service.close(period, now)).figures;
      return (await store(period, day, false)) ?? (await storedFigures(period)).figures;
    },

    /**
     * Closes a finished month: its figure measured at its end (its last day in the jobs' time
     * zone), stored once. Later changes (a refund, a late payment) never rewrite it.
     */
    async close(period: string, now: Date = new Date()): Promise<{ closed: boolean; figures: MrrFigure[] }> {
      assertPeriod(period);
      const { day, final } = mrrMeasureDay(period, todayOf(now));
      if (!final) throw new Error(`${period} is not over: it cannot be closed yet`);
      const stored = await store(period, day, true);
      return stored ? { closed: true, figures: stored } : { closed: false, figures: (await storedFigures(period)).figures };
    },

    /**
     * Fills in a past month without a snapshot (a new installation, imported history), closed as
     * it would have been. A month with a stored figure is left as it is.
     */
    async backfill(period: string, now: Date = new Date()): Promise<MrrFigure[] | null> {
      assertPeriod(period);
      if (period >= todayOf(now).slice(0, 7)) throw new Error(`Only a finished month can be filled in, not ${period}`);
      if (await strapi.db.query(SNAPSHOT_UID).count({ where: { period } })) return null;
      return (await service.close(period, now)).figures;
    },

    /** The movements between the stored lines of two months, per currency. */
    async movements(from: string, to: string): Promise<MrrMovement[]> {
      assertPeriod(from);
      assertPeriod(to);
      const rows: MovementRow[] | { rows: MovementRow[] } = await strapi.db.transaction(({ trx }) =>
        trx.raw(
          `SELECT currency,
             SUM(before_minor) AS start_minor,
             SUM(after_minor) AS end_minor,
             SUM(CASE WHEN before_minor > 0 THEN 1 ELSE 0 END) AS start_customers,
             SUM(CASE WHEN after_minor > 0 THEN 1 ELSE 0 END) AS end_customers,
             SUM(CASE WHEN before_minor = 0 AND is_returning = 0 THEN after_minor ELSE 0 END) AS new_minor,
             SUM(CASE WHEN before_minor = 0 AND is_returning = 1 THEN after_minor ELSE 0 END) AS reactivation_minor,
             SUM(CASE WHEN before_minor > 0 AND after_minor > before_minor THEN after_minor - before_minor ELSE 0 END) AS expansion_minor,
             SUM(CASE WHEN before_minor > 0 AND after_minor > 0 AND after_minor < before_minor THEN before_minor - after_minor ELSE 0 END) AS contraction_minor,
             SUM(CASE WHEN before_minor > 0 AND after_minor = 0 THEN before_minor ELSE 0 END) AS churn_minor,
             SUM(CASE WHEN before_minor = 0 AND is_returning = 0 THEN 1 ELSE 0 END) AS new_customers,
             SUM(CASE WHEN before_minor = 0 AND is_returning = 1 THEN 1 ELSE 0 END) AS reactivated_customers,
             SUM(CASE WHEN before_minor > 0 AND after_minor > before_minor THEN 1 ELSE 0 END) AS expanded_customers,
             SUM(CASE WHEN before_minor > 0 AND after_minor > 0 AND after_minor < before_minor THEN 1 ELSE 0 END) AS contracted_customers,
             SUM(CASE WHEN before_minor > 0 AND after_minor = 0 THEN 1 ELSE 0 END) AS churned_customers
           FROM (
             -- customers with MRR in the first month, and what they have in the second
             SELECT a.currency, a.mrr_minor AS before_minor, COALESCE(b.mrr_minor, 0) AS after_minor, 0 AS is_returning
             FROM ?? a
             LEFT JOIN ?? b ON b.period = ? AND b.currency = a.currency AND b.customer_id = a.customer_id
             WHERE a.period = ? AND a.mrr_minor > 0
             UNION ALL
             -- customers with MRR only in the second month: new, or back after a gap (a line of
             -- zero, a plan without recurring revenue, is no MRR)
             SELECT b.currency, 0, b.mrr_minor,
                    CASE WHEN EXISTS (
                      SELECT 1 FROM ?? e WHERE e.customer_id = b.customer_id AND e.currency = b.currency AND e.period < ? AND e.mrr_minor > 0
                    ) THEN 1 ELSE 0 END
             FROM ?? b
             LEFT JOIN ?? a ON a.period = ? AND a.currency = b.currency AND a.customer_id = b.customer_id AND a.mrr_minor > 0
             WHERE b.period = ? AND b.mrr_minor > 0 AND a.customer_id IS NULL
           ) m
           GROUP BY currency
           ORDER BY currency`,
          [LINES_TABLE, LINES_TABLE, to, from, LINES_TABLE, from, LINES_TABLE, LINES_TABLE, from, to],
        ),
      );
      const list = Array.isArray(rows) ? rows : rows.rows; // better-sqlite3 answers rows, pg a result
      return list.map((row): MrrMovement => {
        const totals: MrrMovementTotals = {
          currency: row.currency,
          startMinor: safe(row.start_minor, 'MRR'),
          newMinor: safe(row.new_minor, 'MRR'),
          expansionMinor: safe(row.expansion_minor, 'MRR'),
          reactivationMinor: safe(row.reactivation_minor, 'MRR'),
          contractionMinor: safe(row.contraction_minor, 'MRR'),
          churnMinor: safe(row.churn_minor, 'MRR'),
          endMinor: safe(row.end_minor, 'MRR'),
          customers: {
            atStart: safe(row.start_customers, 'count'),
            atEnd: safe(row.end_customers, 'count'),
            new: safe(row.new_customers, 'count'),
            expanded: safe(row.expanded_customers, 'count'),
            reactivated: safe(row.reactivated_customers, 'count'),
            contracted: safe(row.contracted_customers, 'count'),
            churned: safe(row.churned_customers, 'count'),
          },
        };
        // Every customer's change lands in at most one movement, so this cannot fail unless the
        // query above and the definitions have drifted apart: refuse to answer figures that do not add up.
        if (!reconciles(totals)) throw new Error(`MRR movements ${from} to ${to} in ${totals.currency} do not reconcile with the change in MRR`);
        return { ...totals, from, to, churnRateBps: churnRateBps(totals) };
      });
    },

    /**
     * Stored snapshots from `from` to `to` (YYYY-MM, inclusive) with each month's customers with
     * MRR and ARPA, the movements (and churn rate) between consecutive months, and the one-line
     * definition of every figure.
     */
    async history(from: string, to: string) {
      assertPeriod(from);
      assertPeriod(to);
      const snapshots: SnapshotRow[] = await strapi.db.query(SNAPSHOT_UID).findMany({
        where: { period: { $gte: from, $lte: to } },
        orderBy: [{ period: 'asc' }, { currency: 'asc' }],
      });
      const customers: { period: string; currency: string; customers: DbNumber }[] = await strapi.db.transaction(({ trx }) =>
        trx(LINES_TABLE)
          .whereBetween('period', [from, to])
          .where('mrr_minor', '>', 0)
          .groupBy('period', 'currency')
          .select('period', 'currency')
          .count({ customers: '*' }),
      );
      const customersOf = (period: string, currency: string) =>
        safe(customers.find((row) => row.period === period && row.currency === currency)?.customers, 'count');
      const periods = [...new Set(snapshots.map((s) => s.period))];
      const movements: MrrMovement[] = [];
      for (let i = 1; i < periods.length; i += 1) movements.push(...(await this.movements(periods[i - 1], periods[i])));
      return {
        snapshots: snapshots.map((s) => {
          const mrrMinor = safe(s.mrrMinor, 'MRR');
          const activeCustomers = customersOf(s.period, s.currency);
          return {
            period: s.period,
            currency: s.currency,
            mrrMinor,
            arrMinor: mrrMinor * 12,
            activePlans: s.activePlans,
            activeCustomers,
            arpaMinor: arpaMinor(mrrMinor, activeCustomers),
            computedAt: s.computedAt,
            measuredOn: s.measuredOn ?? null,
            closed: Boolean(s.closedAt),
          };
        }),
        movements,
        definitions: MRR_DEFINITIONS,
      };
    },
  };
  return service;
};
