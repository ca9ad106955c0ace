export { phantomSliceFileName, writePhantomSeries, type PhantomSeriesResult, type WritePhantomSeriesOptions } from './writePhantomSeries.ts';
