import type { Schema, Struct } from '@strapi/strapi';

export interface BillingInvoiceLine extends Struct.ComponentSchema {
  collectionName: 'components_billing_invoice_lines';
  info: {
    description: "One line of an invoice: the plan's base price, an add-on, or the tax";
    displayName: 'Invoice line';
    icon: 'bulletList';
  };
  attributes: {
    amountMinor: Schema.Attribute.Integer &
      Schema.Attribute.Required &
      Schema.Attribute.CustomField<'plugin::money.amount'> &
      Schema.Attribute.SetMinMax<
        {
          max: 2147483647;
          min: 0;
        },
        number
      >;
    code: Schema.Attribute.String &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMaxLength<{
        maxLength: 64;
      }>;
    description: Schema.Attribute.String &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMaxLength<{
        maxLength: 255;
      }>;
    kind: Schema.Attribute.Enumeration<['base', 'add-on', 'tax']> &
      Schema.Attribute.Required;
    taxRateBps: Schema.Attribute.Integer &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMax<
        {
          max: 10000;
          min: 0;
        },
        number
      > &
      Schema.Attribute.DefaultTo<0>;
  };
}

export interface CatalogAddOn extends Struct.ComponentSchema {
  collectionName: 'components_catalog_add_ons';
  info: {
    description: 'An optional service sold with a plan, charged every period (recurring) or once (one-time)';
    displayName: 'Add-on';
    icon: 'plus';
  };
  attributes: {
    billing: Schema.Attribute.Enumeration<['recurring', 'one-time']> &
      Schema.Attribute.Required &
      Schema.Attribute.DefaultTo<'recurring'>;
    code: Schema.Attribute.String &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMaxLength<{
        maxLength: 64;
      }>;
    feeMinor: Schema.Attribute.Integer &
      Schema.Attribute.Required &
      Schema.Attribute.CustomField<'plugin::money.amount'> &
      Schema.Attribute.SetMinMax<
        {
          max: 2147483647;
          min: 0;
        },
        number
      >;
    name: Schema.Attribute.String &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMaxLength<{
        maxLength: 120;
      }>;
    taxable: Schema.Attribute.Boolean &
      Schema.Attribute.Required &
      Schema.Attribute.DefaultTo<true>;
  };
}

export interface RepairEstimateLine extends Struct.ComponentSchema {
  collectionName: 'components_repair_estimate_lines';
  info: {
    description: 'A line of a repair estimate: labor, parts or a fee, with its quantity and unit price';
    displayName: 'Estimate line';
  };
  attributes: {
    amountMinor: Schema.Attribute.Integer &
      Schema.Attribute.Required &
      Schema.Attribute.CustomField<'plugin::money.amount'> &
      Schema.Attribute.SetMinMax<
        {
          max: 2147483647;
          min: 0;
        },
        number
      >;
    description: Schema.Attribute.String &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMaxLength<{
        maxLength: 200;
      }>;
    kind: Schema.Attribute.Enumeration<['labor', 'parts', 'fee']> &
      Schema.Attribute.Required;
    quantityHundredths: Schema.Attribute.Integer &
      Schema.Attribute.Required &
      Schema.Attribute.SetMinMax<
        {
          max: 1000000;
          min: 1;
        },
        number
      >;
    unitPriceMinor: Schema.Attribute.Integer &
      Schema.Attribute.Required &
      Schema.Attribute.CustomField<'plugin::money.amount'> &
      Schema.Attribute.SetMinMax<
        {
          max: 2147483647;
          min: 0;
        },
        number
      >;
  };
}

declare module '@strapi/strapi' {
  export namespace Public {
    export interface ComponentSchemas {
      'billing.invoice-line': BillingInvoiceLine;
      'catalog.add-on': CatalogAddOn;
      'repair.estimate-line': RepairEstimateLine;
    }
  }
}
