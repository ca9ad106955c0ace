import { parentPort } from 'node:worker_threads';
import { toOpalError } from '../../common/errors/index.ts';
import { decodeFrame } from './decodeFrame.ts';
import { decodeRequestSchema, type DecodeResponse } from './decodeMessages.ts';

/**
 * Worker thread of DecodePool: decodes one frame per message with the thread's own WASM codec
 * instances (initialised on first use, kept for the life of the thread) and transfers the pixels back.
 */
const port = parentPort;
if (!port) throw new Error('decodeWorker.ts runs only as a worker thread (started by DecodePool)');

port.on('message', (message: unknown) => {
  const parsed = decodeRequestSchema.safeParse(message);
  if (!parsed.success) {
    const id = typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'number' ? message.id : -1;
    const reply: DecodeResponse = { id, ok: false, error: { code: 'E_INTERNAL', message: `Malformed decode request: ${parsed.error.message}` } };
    port.postMessage(reply);
    return;
  }
  const { id, frame } = parsed.data;
  decodeFrame(frame).then(
    (decoded) => {
      const reply: DecodeResponse = { id, ok: true, frame: decoded };
      port.postMessage(reply, [decoded.pixels.buffer as ArrayBuffer]);
    },
    (e: unknown) => {
      const reply: DecodeResponse = { id, ok: false, error: toOpalError(e, 'E_DECODE_FAILED').toJSON() };
      port.postMessage(reply);
    },
  );
});
