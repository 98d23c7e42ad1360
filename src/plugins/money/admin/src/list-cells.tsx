import { Typography } from '@strapi/design-system';
import { type CurrencyFrom, isMoneyAttribute } from '../../server/src/fields';
import { displayAmount, rowCurrency } from './amount';

interface ListHeader {
  name: string;
  attribute?: { options?: { currencyFrom?: CurrencyFrom } };
  cellFormatter?: (row: Record<string, unknown>) => React.ReactNode;
}

/** The list view's headers, with money columns shown in the row's currency ("USD 643.00"). */
export const withMoneyCells = <T extends { displayedHeaders: ListHeader[] }>(args: T): T => ({
  ...args,
  displayedHeaders: args.displayedHeaders.map((header) =>
    isMoneyAttribute(header.attribute)
      ? { ...header, cellFormatter: (row: Record<string, unknown>) => <MoneyCell value={row[header.name]} currency={rowCurrency(row, header.attribute ?? {})} /> }
      : header,
  ),
});

const MoneyCell = ({ value, currency }: { value: unknown; currency: unknown }) => (
  <Typography textColor="neutral800" style={{ whiteSpace: 'nowrap' }}>
    {displayAmount(value, currency)}
  </Typography>
);
