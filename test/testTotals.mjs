// Test totals from the reports pytest and vitest write, for test/run-all.mjs's last line.

/**
 * From vitest's JSON reporter (Jest's format): tests passed, failed and skipped (skipped and todo).
 * A test file that fails before any of its tests run (an import or collection error, e.g. missing
 * data under OPAL_REQUIRE_DATA=1) counts as one failure.
 */
export function testTotalsFromVitestJson(report) {
  const t = { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests, skippedNames: [] };
  for (const file of report.testResults ?? []) {
    const results = file.assertionResults ?? [];
    if (file.status === 'failed' && !results.some((a) => a.status === 'failed')) t.failed++;
    for (const a of results) if (a.status === 'pending' || a.status === 'skipped' || a.status === 'todo') t.skippedNames.push(`${file.name}: ${a.fullName}`);
  }
  return t;
}

/** From pytest's --junitxml report: the <testsuite> counts; passed = tests - failures - errors - skipped. */
export function testTotalsFromJunitXml(xml) {
  const t = { passed: 0, failed: 0, skipped: 0, skippedNames: [] };
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(m[1])?.[1] ?? 0);
    const failed = attr('failures') + attr('errors');
    t.passed += attr('tests') - failed - attr('skipped');
    t.failed += failed;
    t.skipped += attr('skipped');
  }
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    if (!m[2] || !/<skipped\b/.test(m[2])) continue;
    const attr = (name) => new RegExp(`\\b${name}="([^"]*)"`).exec(m[1])?.[1] ?? '';
    t.skippedNames.push(`${attr('classname')}::${attr('name')}`);
  }
  return t;
}
