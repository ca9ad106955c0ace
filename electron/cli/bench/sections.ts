import type { BenchSection } from './BenchSection.ts';
import { modelsBench } from './modelsBench.ts';

/** Every benchmark section, in pipeline order. Each issue adds its stage here. */
export const benchSections: BenchSection[] = [modelsBench];
