import * as React from 'react';
import { Button, Dialog, Field, Flex, Textarea, Typography } from '@strapi/design-system';
import { Cross } from '@strapi/icons';

/**
 * "Cancel run" and its confirmation, which asks for the reason the server requires (up to 500
 * characters, as it accepts). `consequence` says what cancelling this run undoes.
 */
export const CancelRunDialog = ({ consequence, busy = false, onConfirm }: { consequence: string; busy?: boolean; onConfirm: (reason: string) => unknown }) => {
  const [reason, setReason] = React.useState('');
  return (
    <Dialog.Root>
      <Dialog.Trigger>
        <Button variant="danger-light" startIcon={<Cross />}>
          Cancel run
        </Button>
      </Dialog.Trigger>
      <Dialog.Content>
        <Dialog.Header>Cancel this run?</Dialog.Header>
        <Dialog.Body>
          <Flex direction="column" alignItems="stretch" gap={3} width="100%">
            <Typography>{consequence} This cannot be undone.</Typography>
            <Field.Root name="reason" required hint="Up to 500 characters, kept on the run and in the audit log">
              <Field.Label>Reason</Field.Label>
              <Textarea value={reason} maxLength={500} onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setReason(e.target.value)} />
              <Field.Hint />
            </Field.Root>
          </Flex>
        </Dialog.Body>
        <Dialog.Footer>
          <Dialog.Cancel>
            <Button variant="tertiary">Keep it</Button>
          </Dialog.Cancel>
          <Dialog.Action>
            <Button variant="danger" loading={busy} disabled={!reason.trim()} onClick={() => onConfirm(reason.trim())}>
              Cancel run
            </Button>
          </Dialog.Action>
        </Dialog.Footer>
      </Dialog.Content>
    </Dialog.Root>
  );
};
