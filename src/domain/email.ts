/** Customer emails are stored trimmed and lower-cased, so one address is one customer. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

// Deliberately simple: one "@", no spaces, a dot in the domain. Deliverability is SendGrid's job.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const isEmail = (email: string): boolean => email.length <= 254 && EMAIL_PATTERN.test(email);
