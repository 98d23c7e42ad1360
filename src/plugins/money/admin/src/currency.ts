import * as React from 'react';
import { useFetchClient, useForm } from '@strapi/strapi/admin';
import { useParams } from 'react-router-dom';
import { isCurrencyCode } from '../../../../domain';
import { CURRENCY_FIELD, type CurrencyFrom } from '../../server/src/fields';

/**
 * The currency of the record being edited: its own `currency` field as the form holds it now (a
 * money field inside a component reads the record's), or, for a type without one, the currency
 * of the record its `currencyFrom` relation points to. Null while unknown: the input then takes
 * and shows minor units.
 */
export const useRecordCurrency = (currencyFrom: CurrencyFrom | undefined): string | null => {
  const own = useForm('MoneyInput', (state) => (state.values as Record<string, unknown>)[CURRENCY_FIELD], false);
  const related = useRelatedCurrency(own === undefined ? currencyFrom : undefined);
  const currency = own ?? related;
  return isCurrencyCode(currency) ? currency : null;
};

const useRelatedCurrency = (from: CurrencyFrom | undefined): unknown => {
  const { slug, id } = useParams<{ slug: string; id: string }>();
  const { get } = useFetchClient();
  const [currency, setCurrency] = React.useState<unknown>(null);
  React.useEffect(() => {
    if (!from?.field || !from.model || !slug || !id || id === 'create') return;
    let current = true;
    const load = async () => {
      const relation = await get<{ results?: { documentId: string }[] }>(`/content-manager/relations/${slug}/${id}/${from.field}`);
      const target = relation.data.results?.[0];
      if (!target) return;
      const record = await get<{ data?: Record<string, unknown> }>(`/content-manager/collection-types/${from.model}/${target.documentId}`);
      if (current) setCurrency(record.data.data?.[CURRENCY_FIELD]);
    };
    // Without access to the related record, the amount stays in minor units (and says so).
    load().catch(() => undefined);
    return () => {
      current = false;
    };
  }, [from?.field, from?.model, slug, id, get]);
  return currency;
};
