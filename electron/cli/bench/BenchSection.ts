/**
 * One section of `npm run bench`. A section measures real work and a baseline in the same run and
 * reports ratios against it (e.g. DICOM load time vs raw file read time of the same files).
 */
export interface BenchContext {
  /** Scratch folder for generated inputs, removed after the run. */
  workDir: string;
  /** Smaller inputs for a quick look (`opal bench --quick`). */
  quick: boolean;
  log(line: string): void;
}

export interface BenchRow {
  [column: string]: string | number;
}

export interface BenchResult {
  title: string;
  rows: BenchRow[];
  notes?: string[];
}

export interface BenchSection {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
