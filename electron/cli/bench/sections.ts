import type { BenchSection } from './BenchSection.ts';
import { phantomNiftiBench } from './phantomNiftiBench.ts';
import { exportsBench } from './exportsBench.ts';

/** Every benchmark section, in pipeline order. Each issue adds its stage here. */
export const benchSections: BenchSection[] = [phantomNiftiBench, exportsBench];
