import { EXECUTION_PROVIDER_SETTINGS, type ExecutionProviderSetting } from '../../../electron/common/ipc/contract.ts';
import type { Bridge } from '../bridge.ts';
import { h } from './dom.ts';

/** What each execution-provider setting means, in the settings list. */
export const EXECUTION_PROVIDER_LABELS: Record<ExecutionProviderSetting, string> = {
  auto: 'Automatic (a GPU only once it matched the CPU)',
  cpu: 'CPU',
  cuda: 'CUDA (NVIDIA GPU)',
  dml: 'DirectML (Windows GPU)',
  coreml: 'CoreML (macOS)',
};

/**
 * The execution-provider setting (About panel): the options, the value main stored, and each change
 * saved through main (setSettings validates it and keeps it in the app's data folder). It applies
 * from the next segmentation; the provider that ran is shown after it and in every export.
 */
export function wireExecutionProviderSetting(select: HTMLSelectElement, bridge: Bridge, run: (work: () => Promise<void>) => void, status: (text: string) => void): void {
  select.replaceChildren(...EXECUTION_PROVIDER_SETTINGS.map((v) => h('option', { value: v }, EXECUTION_PROVIDER_LABELS[v])));
  run(async () => {
    select.value = (await bridge.call('getSettings', {})).executionProvider;
  });
  select.addEventListener('change', () =>
    run(async () => {
      const saved = await bridge.call('setSettings', { executionProvider: select.value as ExecutionProviderSetting });
      select.value = saved.executionProvider;
      status(`Execution provider: ${EXECUTION_PROVIDER_LABELS[saved.executionProvider]}; it applies from the next segmentation.`);
    }),
  );
}
