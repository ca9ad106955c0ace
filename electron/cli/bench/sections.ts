import type { BenchSection } from './BenchSection.ts';
import { loadingBench } from './loadingBench.ts';

/** Every benchmark section, in pipeline order. Each issue adds its stage here. */
export const benchSections: BenchSection[] = [loadingBench];
