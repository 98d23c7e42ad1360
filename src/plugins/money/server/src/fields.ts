/**
 * The money custom fields, shared by the server registration, the admin panel and the tests.
 *
 * A money field stores what a plain integer field stores (minor units: 64300 is USD 643.00), so
 * the database and every server-side check see an integer (Strapi swaps a custom field for its
 * underlying type when it loads the schemas). Only the admin panel's input and list cells differ:
 * they write and show the amount in the currency of the record (its `currency` field).
 */
export const PLUGIN_ID = 'money';

export const MONEY_FIELDS = [
  // One record's amount: a price, a line, an invoice total, a payment (32-bit columns).
  { name: 'amount', type: 'integer', label: 'Money', description: "An amount in the record's currency, stored as integer minor units" },
  // A sum over many records (MRR), which may pass 32 bits; it reads as a string of digits.
  { name: 'big-amount', type: 'biginteger', label: 'Money (large)', description: "A large amount in the record's currency, stored as 64-bit minor units" },
] as const;

export type MoneyFieldType = (typeof MONEY_FIELDS)[number]['type'];

/** The uid a schema.json names as `customField`: plugin::money.amount, plugin::money.big-amount. */
export const MONEY_FIELD_UIDS: readonly string[] = MONEY_FIELDS.map((field) => `plugin::${PLUGIN_ID}.${field.name}`);

export const isMoneyAttribute = (attribute: unknown): boolean =>
  Boolean(attribute) && MONEY_FIELD_UIDS.includes((attribute as { customField?: unknown }).customField as string);

/**
 * Where a money field finds its currency: the record's `currency` field, or, for a type without
 * one (a service plan is in its plan's currency), `options.currencyFrom`, the to-one relation
 * whose record has it.
 */
export const CURRENCY_FIELD = 'currency';

/** A money field's `options.currencyFrom`: the to-one relation (and its type) holding the currency. */
export interface CurrencyFrom {
  field: string;
  model: string;
}
