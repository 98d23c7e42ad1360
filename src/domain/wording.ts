/**
 * A count and its noun, as a person writes it: "1 run", "2 runs", "0 runs", "1,200 plans". The
 * noun is given in the singular; its plural is the singular plus "s" unless given ("entry",
 * "entries"). Exactly one (or minus one) takes the singular: "1.5 months", "0 months". Every count
 * in a server message or an admin string goes through here, so none reads "1 months" or "run(s)".
 */
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const counted = (count: number, singular: string, plural = `${singular}s`): string =>
  `${NUMBER.format(count)} ${Math.abs(count) === 1 ? singular : plural}`;
