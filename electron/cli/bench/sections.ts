import type { BenchSection } from './BenchSection.ts';
import { phantomNiftiBench } from './phantomNiftiBench.ts';
import { decodeBench } from './decodeBench.ts';
import { loadingBench } from './loadingBench.ts';
import { modelsBench } from './modelsBench.ts';
import { exportsBench } from './exportsBench.ts';
import { pipelineBench } from './pipelineBench.ts';

/** Every benchmark section, in pipeline order. Each issue adds its stage here. */
export const benchSections: BenchSection[] = [
  phantomNiftiBench,
  decodeBench,
  loadingBench,
  modelsBench,
  exportsBench,
  pipelineBench,
];
