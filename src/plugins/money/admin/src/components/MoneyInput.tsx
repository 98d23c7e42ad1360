import * as React from 'react';
import { Field, TextInput, Typography } from '@strapi/design-system';
import type { CurrencyFrom, MoneyFieldType } from '../../../server/src/fields';
import { inputText, readInput } from '../amount';
import { useRecordCurrency } from '../currency';

interface MoneyInputProps {
  name: string;
  label: string;
  hint?: React.ReactNode;
  labelAction?: React.ReactNode;
  required?: boolean;
  disabled?: boolean;
  placeholder?: string;
  attribute: { type: MoneyFieldType; min?: number | string; max?: number | string; options?: { currencyFrom?: CurrencyFrom } };
  value?: number | string | null;
  error?: string;
  onChange: (name: string, value: unknown) => void;
}

/**
 * A money field in the content manager's edit view: the amount in major units beside its
 * currency ("USD" | "643.00"), read back to exact minor units. What cannot be read (too many
 * decimals for the currency, not a number, out of bounds) is said under the field, and the form
 * holds a value its own validation refuses (not a number), so the record cannot be saved with an
 * amount the person did not mean.
 */
/**
 * The content manager puts an integer field's bounds in front of its description ("min. 0 / max.
 * 2147483647<br/>description"): in minor units, they would read as a price. The description alone
 * is kept; an amount out of bounds is refused below the field, in the currency.
 */
const descriptionOnly = (hint: React.ReactNode): React.ReactNode => {
  if (!Array.isArray(hint)) return hint;
  const br = hint.findIndex((part) => React.isValidElement(part) && part.type === 'br');
  return br === -1 ? hint : hint.slice(br + 1);
};

const MoneyInput = ({ name, label, hint, labelAction, required, disabled, placeholder, attribute, value, error, onChange }: MoneyInputProps) => {
  const currency = useRecordCurrency(attribute.options?.currencyFrom);
  const [text, setText] = React.useState(() => inputText(value, currency));
  const [problem, setProblem] = React.useState<string | null>(null);
  const held = React.useRef<{ value: unknown; currency: string | null }>({ value, currency });

  // A value set from outside (the record loaded, the form reset) or another currency: shown anew.
  React.useEffect(() => {
    if (Object.is(held.current.value, value) && held.current.currency === currency) return;
    held.current = { value, currency };
    setText(inputText(value, currency));
    setProblem(null);
  }, [value, currency]);

  const change = (event: React.ChangeEvent<HTMLInputElement>) => {
    const typed = event.target.value;
    setText(typed);
    const reading = readInput(typed, currency, attribute);
    let next: unknown;
    if (reading.problem !== undefined) {
      next = attribute.type === 'biginteger' ? 'NaN' : NaN;
    } else if (reading.amountMinor === null) {
      next = null;
    } else {
      next = attribute.type === 'biginteger' ? reading.amountMinor.toString() : Number(reading.amountMinor);
    }
    const tooLarge = reading.problem === undefined && typeof next === 'number' && !Number.isSafeInteger(next);
    setProblem(tooLarge ? 'The amount is too large' : (reading.problem ?? null));
    if (tooLarge) next = NaN;
    held.current = { value: next, currency };
    onChange(name, next);
  };

  // "643" reads as 643.00 once the person moves on.
  const blur = () => {
    if (problem === null) setText(inputText(held.current.value, currency));
  };

  return (
    <Field.Root name={name} id={name} error={problem ?? error} hint={descriptionOnly(hint)} required={required}>
      <Field.Label action={labelAction}>{label}</Field.Label>
      <TextInput
        name={name}
        value={text}
        onChange={change}
        onBlur={blur}
        disabled={disabled}
        placeholder={placeholder}
        inputMode="decimal"
        autoComplete="off"
        startAction={
          <Typography variant="pi" fontWeight="bold" textColor="neutral600" data-currency={name}>
            {currency ?? 'Minor units'}
          </Typography>
        }
      />
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
};

export default MoneyInput;
