#!/usr/bin/env node
// Sums Jest --json reports into one line: "N passed, M failed". A suite that failed to run, or a
// report that is missing, counts as a failure so a crash can never read as success.
const { readFileSync, existsSync } = require('node:fs');

let passed = 0;
let failed = 0;
const files = process.argv.slice(2);
for (const file of files) {
  if (!existsSync(file)) {
    failed += 1;
    continue;
  }
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
    if (report.numTotalTests === 0) failed += 1;
  } catch {
    failed += 1;
  }
}
if (files.length === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
