import { documentId } from '../../src/plugins/plan-renewals/server/src/services/renewal-wave';

/**
 * The renewal wave writes rows with the query builder, so it makes their document ids itself. The
 * Document Service reads a relation value that parses as an integer as a row id: an id starting
 * with a digit could never be linked to (a receipt to its run, a payment to its invoice).
 */
test('wave document ids look like Strapi\'s: 24 characters, a letter first, never read as a row id', () => {
  const ids = Array.from({ length: 20_000 }, () => documentId());
  for (const id of ids) {
    expect(id).toMatch(/^[a-z][a-z0-9]{23}$/);
    expect(Number.isNaN(parseInt(id, 10))).toBe(true);
  }
  expect(new Set(ids).size).toBe(ids.length);
});
