import type { ImportMaskResult } from '../../../electron/common/ipc/contract.ts';
import { BridgeError, type Bridge } from '../bridge.ts';
import type { Store } from '../state/store.ts';

/** The status line after a mask was opened: what each segment was taken for, where the lungs came from. */
export function maskImportSummary(fileName: string, r: ImportMaskResult): string {
  const used = r.segments.filter((s) => s.meaning && s.meaning !== 'ignore');
  const left = r.segments.length - used.length;
  const lungs = r.lungsFrom === 'mask' ? 'lungs from the mask' : r.lungsFrom === 'session' ? 'lungs kept from before' : 'lungs made from the CT';
  return `Mask ${fileName} opened: ${used.map((s) => `${s.label} → ${s.meaning}`).join(', ')}${left > 0 ? `; ${left} segment${left === 1 ? '' : 's'} left out` : ''}; ${lungs}. Edits now start from this mask.`;
}

export interface MaskImportWiring {
  bridge: Bridge;
  store: Store;
  button: HTMLButtonElement;
  /** The loaded volume's handle, if any. */
  volumeHandle: () => string | undefined;
  /** Runs work with the app's error handling (banner + status). */
  run: (work: () => Promise<void>) => void;
  /** Called with the result: fetch the new labelmaps and show the measurements. */
  afterImport: (r: ImportMaskResult) => Promise<void>;
  /** Asks whether hand edits may be discarded (window.confirm in the app). */
  confirmDiscard: (message: string) => boolean;
}

/**
 * "Open mask…" (issue 15): main's file dialog picks a DICOM SEG or NIfTI labelmap, the engine lays
 * it on the loaded series as the new base labelmap (E_GEOMETRY_MISMATCH when it belongs to another
 * series) and measures it. Hand edits are replaced only after the user agrees.
 */
export function wireMaskImport(w: MaskImportWiring): void {
  w.store.subscribe((s) => {
    w.button.disabled = !s.volume || s.segmentation.running;
  });
  w.button.disabled = true;
  w.button.addEventListener('click', () =>
    w.run(async () => {
      const volumeHandle = w.volumeHandle();
      if (!volumeHandle) return;
      const chosen = await w.bridge.call('chooseMaskFile', {});
      if (!chosen) {
        w.store.update({ status: 'No mask chosen.' });
        return;
      }
      const fileName = chosen.path.replace(/^.*[\\/]/, '');
      w.store.update({ status: `Opening the mask ${fileName}…` });
      let r: ImportMaskResult;
      try {
        r = await w.bridge.call('importMask', { volumeHandle, path: chosen.path });
      } catch (e) {
        if (!(e instanceof BridgeError && e.error.code === 'E_UNSAVED_EDITS')) throw e;
        if (!w.confirmDiscard(`The labelmap holds your edits. Replace them with the mask ${fileName}? (Export them first to keep them.)`)) {
          w.store.update({ status: 'Mask not opened; your edits are kept.' });
          return;
        }
        r = await w.bridge.call('importMask', { volumeHandle, path: chosen.path, edits: 'replace' });
      }
      await w.afterImport(r);
      w.store.update({ status: maskImportSummary(fileName, r) + r.warnings.map((x) => ` ⚠ ${x.message}`).join('') });
    }),
  );
}
