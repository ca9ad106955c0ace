/** Messages between the fuzz harness (fuzz.ts) and its child processes (fuzzChild.ts). */

export type StageName = 'info' | 'load' | 'convert';

/** How one stage answered one input. */
export type StageOutcome =
  | { kind: 'ok' }
  | { kind: 'coded'; code: string }
  | { kind: 'internal'; message: string };

/** The class of an input: the worst of its stages (crash > over budget > internal > coded > ok). */
export type InputClass = 'ok' | 'coded' | 'internal' | 'crash' | 'over-budget';

export const CLASS_ORDER: InputClass[] = ['ok', 'coded', 'internal', 'over-budget', 'crash'];

export interface StageResult {
  stage: StageName;
  cls: InputClass;
  /** The error code (coded), message (internal), or what happened (crash, over budget). */
  note?: string;
  ms: number;
  peakRssMb: number;
}
