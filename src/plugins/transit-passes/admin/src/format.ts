/** Money, dates and counts as every plugin's pages show them. */
export { counted, formatDate, formatDateTime, formatMoney, formatMonth } from '../../../../admin-shared/format';

/** The rider categories and fare media as the pages name them. */
export const CATEGORY_LABELS: Record<string, string> = { adult: 'Adult', senior: 'Senior', student: 'Student', resident: 'Resident', reduced: 'Reduced fare' };
export const categoryLabel = (category: string): string => CATEGORY_LABELS[category] ?? category;
export const MEDIUM_LABELS: Record<string, string> = { digital: 'Digital', card: 'Card' };

export const ORDER_STATES = ['Pending', 'Paid', 'Failed', 'Cancelled'] as const;
