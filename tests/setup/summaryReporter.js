// Ends a jest run with the plain closing line CI reads: "N passed, N failed[, N skipped]". Written
// at process exit, so it comes after jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`;
    process.once("exit", () => process.stderr.write(`\n${line}\n`));
  }
}
module.exports = SummaryReporter;
