import * as React from 'react';
import { Box, Field, Flex, SingleSelect, SingleSelectOption } from '@strapi/design-system';

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

/**
 * The filters above a list, in a white band. `label` names the group for screen readers;
 * `onSubmit` makes it a form, for filters applied together (typed ones, with an Apply button).
 */
export const FilterBar = ({ label, onSubmit, children }: { label: string; onSubmit?: (event: React.FormEvent) => void; children: React.ReactNode }) => {
  const fields = (
    <Flex gap={3} alignItems="flex-end" wrap="wrap" {...(onSubmit ? {} : { 'aria-label': label, role: 'group' })}>
      {children}
    </Flex>
  );
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={4} marginBottom={4}>
      {onSubmit ? (
        <form onSubmit={onSubmit} aria-label={label}>
          {fields}
        </form>
      ) : (
        fields
      )}
    </Box>
  );
};
