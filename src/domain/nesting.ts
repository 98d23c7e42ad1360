/**
 * How deeply arrays and objects nest in a parsed JSON value or query, measured without recursion:
 * code that walks a value recursively (the NUL check, validators, JSON.stringify) overflows the
 * stack on a value nested a few thousand levels deep, so the depth is bounded before any of it runs.
 */
export const nestedDeeperThan = (value: unknown, max: number): boolean => {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (!current || typeof current !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const item of Array.isArray(current) ? current : Object.values(current)) {
      if (item && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
    }
  }
  return false;
};
