import { describe, expect, it } from 'vitest';
import { chooseExecutionProviders, forcedExecutionProviders, parseExecutionProviders, setForcedExecutionProviders } from './executionProviders.ts';

const all = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'].map((name) => ({ name, bundled: name !== 'cuda' }));

describe('chooseExecutionProviders', () => {
  it('uses CUDA on Linux x64 only when its library is installed, then CPU', () => {
    expect(
      chooseExecutionProviders({ platform: 'linux', arch: 'x64', supported: all, cudaLibraryPresent: true }),
    ).toEqual(['cuda', 'cpu']);
    expect(
      chooseExecutionProviders({ platform: 'linux', arch: 'x64', supported: all, cudaLibraryPresent: false }),
    ).toEqual(['cpu']);
    expect(
      chooseExecutionProviders({
        platform: 'linux',
        arch: 'arm64',
        supported: all,
        cudaLibraryPresent: true,
      }),
    ).toEqual(['cpu']);
  });

  it('prefers DirectML on Windows and CoreML on macOS, always ending with CPU', () => {
    expect(
      chooseExecutionProviders({ platform: 'win32', arch: 'x64', supported: all, cudaLibraryPresent: false }),
    ).toEqual(['dml', 'cpu']);
    expect(
      chooseExecutionProviders({
        platform: 'darwin',
        arch: 'arm64',
        supported: all,
        cudaLibraryPresent: false,
      }),
    ).toEqual(['coreml', 'cpu']);
    expect(
      chooseExecutionProviders({
        platform: 'darwin',
        arch: 'arm64',
        supported: [{ name: 'cpu', bundled: true }],
        cudaLibraryPresent: false,
      }),
    ).toEqual(['cpu']);
  });
});

describe('forcing execution providers (--ep, OPAL_EXECUTION_PROVIDERS)', () => {
  it('parses a comma-separated list, best first, case- and space-insensitive, without duplicates', () => {
    expect(parseExecutionProviders('CUDA, cpu,cpu')).toEqual(['cuda', 'cpu']);
    expect(parseExecutionProviders('cpu')).toEqual(['cpu']);
  });

  it('rejects unknown or empty names with E_BAD_ARGUMENT naming the source', () => {
    expect(() => parseExecutionProviders('gpu')).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT', message: expect.stringContaining('"gpu"') }));
    expect(() => parseExecutionProviders(' , ')).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
    expect(() => forcedExecutionProviders({ OPAL_EXECUTION_PROVIDERS: 'tensorrt' })).toThrow(/OPAL_EXECUTION_PROVIDERS/);
  });

  it('takes --ep over OPAL_EXECUTION_PROVIDERS, and nothing is forced when neither is set', () => {
    expect(forcedExecutionProviders({})).toBeUndefined();
    expect(forcedExecutionProviders({ OPAL_EXECUTION_PROVIDERS: 'cpu' })).toEqual(['cpu']);
    setForcedExecutionProviders(['dml', 'cpu']);
    try {
      expect(forcedExecutionProviders({ OPAL_EXECUTION_PROVIDERS: 'cpu' })).toEqual(['dml', 'cpu']);
    } finally {
      setForcedExecutionProviders(undefined);
    }
  });
});
