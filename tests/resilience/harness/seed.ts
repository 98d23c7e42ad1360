import crypto from 'node:crypto';
import type { Pool } from 'pg';

const bcrypt = require('bcryptjs');

/**
 * Seeds a database the app has created (its schema and roles exist) with `count` customers, each
 * with a card saved at Stripe and an Active, auto-renewing 12-month plan whose paid period ends
 * within the renewal lead time: a renewal wave waiting to happen. Written in SQL, in a few
 * statements, because a thousand plans through the API would take longer than the scenario;
 * the rows are the ones the app writes (documents with ids, links, the audit entries of each
 * plan's status history: created Pending, then Processing, then Active).
 */
export const PLAN = {
  code: 'complete-care-12m',
  name: 'Complete Care (12 months)',
  priceMinor: 54900,
  currency: 'USD',
  termMonths: 12,
  taxRateBps: 825,
  addOn: { code: 'roadside', name: 'Roadside assistance', feeMinor: 6000, taxable: false, billing: 'recurring' },
};

export interface DuePlan {
  documentId: string;
  endDate: string;
}

// Strapi's document ids start with a letter: an id starting with digits is taken for a row id.
const documentId = () => `d${crypto.randomBytes(12).toString('hex').slice(1)}`;

export const today = () => new Date().toISOString().slice(0, 10);

export const seedDuePlans = async (pool: Pool, count: number, tag = crypto.randomBytes(3).toString('hex')): Promise<DuePlan[]> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: plans } = await client.query(
      `INSERT INTO plans (document_id, code, name, description, price_minor, currency, term_months, tax_rate_bps, active, created_at, updated_at, published_at)
       VALUES ($1, $2, $3, 'Twelve months of maintenance', $4, $5, $6, $7, true, now(), now(), now())
       ON CONFLICT (code) DO UPDATE SET updated_at = now() RETURNING id, (xmax = 0) AS inserted`,
      [documentId(), PLAN.code, PLAN.name, PLAN.priceMinor, PLAN.currency, PLAN.termMonths, PLAN.taxRateBps],
    );
    const planId = plans[0].id;
    if (plans[0].inserted) {
      const { rows: addOns } = await client.query(
        `INSERT INTO components_catalog_add_ons (code, name, fee_minor, taxable, billing) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [PLAN.addOn.code, PLAN.addOn.name, PLAN.addOn.feeMinor, PLAN.addOn.taxable, PLAN.addOn.billing],
      );
      await client.query(
        `INSERT INTO plans_cmps (entity_id, cmp_id, component_type, field, "order") VALUES ($1, $2, 'catalog.add-on', 'addOns', 1)`,
        [planId, addOns[0].id],
      );
    }
    // Customer i: a card on file; plan i ends 1 to 13 days from today (the lead time is 14 days).
    const { rows: customers } = await client.query(
      `INSERT INTO customers (document_id, name, email, phone, stripe_customer_id, stripe_payment_method_id, created_at, updated_at, published_at)
       SELECT 'c' || substr(md5($1 || 'c' || i), 1, 23), 'Customer ' || $1 || '-' || i, 'customer-' || $1 || '-' || i || '@example.com',
              '+1 512 555 0100', 'cus_' || $1 || i, 'pm_card_' || $1 || i, now(), now(), now()
       FROM generate_series(1, $2::int) AS i ORDER BY i RETURNING id`,
      [tag, count],
    );
    const recurring = PLAN.priceMinor + PLAN.addOn.feeMinor;
    const { rows: servicePlans } = await client.query(
      `INSERT INTO service_plans (document_id, state, start_date, end_date, auto_renew, add_on_codes, payment_method, renewal_count, recurring_minor, created_at, updated_at, published_at)
       SELECT 's' || substr(md5($1 || 's' || i), 1, 23), 'Active',
              (current_date + (1 + i % 13)) - interval '12 months', current_date + (1 + i % 13),
              true, $2::jsonb, 'stripe', 0, $3, now(), now(), now()
       FROM generate_series(1, $4::int) AS i ORDER BY i RETURNING id, document_id, to_char(end_date, 'YYYY-MM-DD') AS end_date`,
      [tag, JSON.stringify([PLAN.addOn.code]), recurring, count],
    );
    await client.query(
      `INSERT INTO service_plans_customer_lnk (service_plan_id, customer_id, service_plan_ord)
       SELECT s, c, 1 FROM unnest($1::int[], $2::int[]) AS t(s, c)`,
      [servicePlans.map((s) => s.id), customers.map((c) => c.id)],
    );
    await client.query(
      `INSERT INTO service_plans_plan_lnk (service_plan_id, plan_id, service_plan_ord)
       SELECT s, $2, row_number() OVER () FROM unnest($1::int[]) AS t(s)`,
      [servicePlans.map((s) => s.id), planId],
    );
    // The audit trail the guards would have written for each plan's history.
    await client.query(
      `INSERT INTO audit_logs (document_id, action, entity_uid, entity_document_id, actor_type, actor_name, summary, data, occurred_at, created_at, updated_at, published_at)
       SELECT 'a' || substr(md5(s.document_id || h.step), 1, 23), h.action, 'api::service-plan.service-plan', s.document_id, 'system', 'import',
              h.summary, jsonb_build_object('id', s.id, 'from', h.from_state, 'to', h.to_state), now(), now(), now(), now()
       FROM unnest($1::int[], $2::text[]) AS s(id, document_id)
       CROSS JOIN (VALUES (1, 'service-plan.created', 'Service plan created as Pending', NULL, 'Pending'),
                          (2, 'service-plan.status-changed', 'Service plan Pending -> Processing', 'Pending', 'Processing'),
                          (3, 'service-plan.status-changed', 'Service plan Processing -> Active', 'Processing', 'Active'))
            AS h(step, action, summary, from_state, to_state)
       ORDER BY s.id, h.step`,
      [servicePlans.map((s) => s.id), servicePlans.map((s) => s.document_id)],
    );
    await client.query('COMMIT');
    return servicePlans.map((s) => ({ documentId: s.document_id, endDate: s.end_date }));
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
};

/** A users-permissions user of a staff role (the app made the roles at its first start). */
export const createStaffUser = async (pool: Pool, roleType: string) => {
  const suffix = crypto.randomBytes(4).toString('hex');
  const email = `${roleType}-${suffix}@staff.test`;
  const password = `Pw-${crypto.randomBytes(8).toString('hex')}`;
  const { rows } = await pool.query(
    `INSERT INTO up_users (document_id, username, email, provider, password, confirmed, blocked, created_at, updated_at, published_at)
     VALUES ($1, $2, $3, 'local', $4, true, false, now(), now(), now()) RETURNING id`,
    [documentId(), `${roleType}-${suffix}`, email, bcrypt.hashSync(password, 10)],
  );
  await pool.query(
    `INSERT INTO up_users_role_lnk (user_id, role_id, user_ord) SELECT $1, id, 1 FROM up_roles WHERE type = $2`,
    [rows[0].id, roleType],
  );
  return { email, password };
};

/** Signs a staff user in over HTTP; returns the JWT. */
export const signIn = async (base: string, user: { email: string; password: string }) => {
  const response = await fetch(`${base}/api/auth/local`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: user.email, password: user.password }),
  });
  const body: any = await response.json();
  if (response.status !== 200) throw new Error(`Sign-in failed: ${response.status} ${JSON.stringify(body)}`);
  return body.jwt as string;
};
