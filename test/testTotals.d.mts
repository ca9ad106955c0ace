export interface TestTotals {
  passed: number;
  failed: number;
  skipped: number;
  /** "file: full test name" (vitest) or "classname::name" (pytest) of every skipped test. */
  skippedNames: string[];
}
export function testTotalsFromVitestJson(report: unknown): TestTotals;
export function testTotalsFromJunitXml(xml: string): TestTotals;
