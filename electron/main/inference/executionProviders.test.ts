import { describe, expect, it } from 'vitest';
import { chooseExecutionProviders } from './executionProviders.ts';

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
