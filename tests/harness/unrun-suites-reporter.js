/**
 * Jest's own summary counts tests, and a test file that fails before any test runs (a missing file,
 * a throwing import) has none: "Tests: 574 passed, 574 total" can sit under a failed run. This
 * reporter ends the output with each such file and why, so the last lines tell the whole story.
 */
class UnrunSuitesReporter {
  onRunComplete(_contexts, results) {
    const unrun = results.testResults.filter((suite) => suite.testExecError || (suite.failureMessage && suite.numFailingTests === 0 && suite.numPassingTests === 0));
    if (unrun.length === 0) return;
    const lines = unrun.map((suite) => {
      const reason = (suite.testExecError?.message ?? suite.failureMessage ?? '').split('\n').find((line) => line.trim()) ?? 'unknown error';
      return `  ✕ ${suite.testFilePath.replace(`${process.cwd()}/`, '')}: ${reason.trim()}`;
    });
    process.stderr.write(`\n${unrun.length} test file${unrun.length === 1 ? '' : 's'} failed before running any test (they count in "Test Suites:", not in "Tests:"):\n${lines.join('\n')}\n`);
  }
}

module.exports = UnrunSuitesReporter;
