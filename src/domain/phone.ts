/**
 * Phone numbers are stored and texted in E.164 (+15125550123): what Twilio takes, and one spelling
 * per number. The spaces, dots, hyphens and parentheses people type between digits are dropped;
 * nothing is guessed (a local number gets no country code, a leading 00 is not read as +).
 */
const E164 = /^\+[1-9]\d{6,14}$/;
const SEPARATORS = /[\s.()-]/g;

/** What a refused number should have looked like, for error messages. */
export const E164_HINT = 'a + then the country code and number, 7 to 15 digits in all, e.g. +15125550123';

export const isE164 = (phone: string): boolean => E164.test(phone);

/** The E.164 spelling of `phone`, or null when it is not a full international number. */
export const toE164 = (phone: string): string | null => {
  const compact = phone.replace(SEPARATORS, '');
  return isE164(compact) ? compact : null;
};
