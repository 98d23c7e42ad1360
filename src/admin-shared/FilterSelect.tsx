import { Field, SingleSelect, SingleSelectOption } from '@strapi/design-system';

/** One filter of a list page, kept in the page's URL (applied as soon as it is chosen). */
export const FilterSelect = ({
  name,
  label,
  value,
  options,
  onChange,
  width = '200px',
  clearable = true,
}: {
  name: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
  width?: string;
  clearable?: boolean;
}) => (
  <Field.Root name={name} width={width}>
    <Field.Label>{label}</Field.Label>
    <SingleSelect value={value} onChange={(v) => onChange(String(v))} onClear={clearable ? () => onChange('') : undefined} placeholder="Any">
      {options.map((option) => (
        <SingleSelectOption key={option.value} value={option.value}>
          {option.label}
        </SingleSelectOption>
      ))}
    </SingleSelect>
  </Field.Root>
);
