/**
 * The engine as one module, bundled to out/main/engine.mjs beside the Electron entry (the two share
 * their code chunks): the test host (test/host/startTestHost.ts) serves the renderer with exactly
 * the services the packaged app runs, not the TypeScript sources.
 */
export { OpalSession } from './services/OpalSession.ts';
export { createDispatch } from './ipc/dispatch.ts';
export { createEngineServices } from './services/createEngineServices.ts';
export { contentSecurityPolicy } from './security.ts';
export { parseBinaryResourcePath } from '../common/ipc/contract.ts';
export { toOpalError } from '../common/errors/index.ts';
export { appRoot, runningFromBundle } from './appPaths.ts';
