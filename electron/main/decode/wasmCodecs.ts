import { createRequire } from 'node:module';

/**
 * The maintained WASM codecs (DESIGN.md §3.3), loaded from their package exports in plain Node. Each
 * module is instantiated once per thread, on first use, and reused; after a codec throws (a C++
 * exception or an emscripten abort can leave the module's heap in an unknown state) the instance is
 * dropped and the next frame gets a fresh one.
 *
 * The packages ship no type declarations; the interfaces below are the embind classes they export.
 */

export interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
  /** HTJ2K: whether the codestream uses the multi-component (colour) transform. */
  isUsingColorTransform?: boolean;
}

/** The common shape of the embind decoder classes: copy in, decode, read a view of the WASM heap. */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

export interface WasmEncoder {
  getDecodedBuffer(frameInfo: FrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  delete(): void;
}

export interface CharlsModule {
  JpegLSDecoder: new () => WasmDecoder & { getNearLossless(): number; getInterleaveMode(): number };
  JpegLSEncoder?: new () => WasmEncoder & { setNearLossless(n: number): void; setInterleaveMode(m: number): void };
}
export interface OpenJpegModule {
  J2KDecoder: new () => WasmDecoder & { getIsReversible(): boolean };
  J2KEncoder?: new () => WasmEncoder & { setQuality(lossless: boolean, quality: number): void; setDecompositions(n: number): void };
}
export interface OpenJphModule {
  HTJ2KDecoder: new () => WasmDecoder & { getIsReversible(): boolean };
  HTJ2KEncoder?: new () => WasmEncoder & { setQuality(lossless: boolean, quantizationStep: number): void };
}
export interface LibJpegTurboModule {
  JPEGDecoder: new () => WasmDecoder;
}

type CodecName = 'charls' | 'charlsEncoder' | 'openjpeg' | 'openjpegEncoder' | 'openjph' | 'libjpegTurbo';
interface CodecModules {
  charls: CharlsModule;
  charlsEncoder: CharlsModule;
  openjpeg: OpenJpegModule;
  openjpegEncoder: OpenJpegModule;
  openjph: OpenJphModule;
  libjpegTurbo: LibJpegTurboModule;
}

/** Package exports: the decode-only builds where one exists (smaller, faster to instantiate). */
const specifiers: Record<CodecName, string> = {
  charls: '@cornerstonejs/codec-charls/decodewasmjs',
  charlsEncoder: '@cornerstonejs/codec-charls/wasmjs',
  openjpeg: '@cornerstonejs/codec-openjpeg/decodewasmjs',
  openjpegEncoder: '@cornerstonejs/codec-openjpeg/wasmjs',
  openjph: '@cornerstonejs/codec-openjph/wasmjs',
  libjpegTurbo: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
};

type EmscriptenFactory = (moduleArg: { print: (s: string) => void; printErr: (s: string) => void }) => Promise<unknown>;

const require = createRequire(import.meta.url);
const loaded = new Map<CodecName, Promise<unknown>>();
/** The codec's last lines on stderr (openjpeg explains its failures there), for error messages. */
const lastErrors = new Map<CodecName, string[]>();

export function loadCodec<N extends CodecName>(name: N): Promise<CodecModules[N]> {
  let p = loaded.get(name);
  if (!p) {
    const factory = require(specifiers[name]) as EmscriptenFactory;
    const errors: string[] = [];
    lastErrors.set(name, errors);
    const keep = (s: string): void => {
      if (/error/i.test(s)) {
        errors.push(s.trim());
        if (errors.length > 5) errors.shift();
      }
    };
    // Codecs print progress ([INFO] lines) to stdout; the CLI's stdout is for results, so keep only errors.
    p = factory({ print: keep, printErr: keep });
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p as Promise<CodecModules[N]>;
}

/** Drops a codec instance after a failure so that the next frame starts from a clean module. */
export function discardCodec(name: CodecName): void {
  loaded.delete(name);
}

/** Returns and clears what the codec wrote to stderr since the last call. */
export function takeCodecErrors(name: CodecName): string {
  const errors = lastErrors.get(name);
  if (!errors || errors.length === 0) return '';
  const text = errors.join('; ');
  errors.length = 0;
  return text;
}

export type { CodecName };
