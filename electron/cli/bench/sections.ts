import type { BenchSection } from './BenchSection.ts';
import { decodeBench } from './decodeBench.ts';

/** Every benchmark section, in pipeline order. Each issue adds its stage here. */
export const benchSections: BenchSection[] = [decodeBench];
