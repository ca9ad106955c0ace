// electron-builder configuration for OPAL. `npm run dist` = `npm run build`, then
// `electron-builder --config native-config/electron-builder.config.mjs --publish never` (add `--linux`,
// `--win` or `--mac` for one platform). Input: what `npm run build` wrote under out/
// (native-config/build-electron.mjs). Checked by test/build/packagedApp.test.ts, which also runs the
// Linux packaging here with a stand-in for Electron's binary and opens the app.asar it writes.

/** Runtime packages the bundle loads from node_modules (native code, WASM, or modules found at run time). */
export const RUNTIME_PACKAGES = [
  'onnxruntime-node',
  'onnxruntime-common',
  '@cornerstonejs/codec-charls',
  '@cornerstonejs/codec-libjpeg-turbo-8bit',
  '@cornerstonejs/codec-openjpeg',
  '@cornerstonejs/codec-openjph',
  'jpeg-lossless-decoder-js',
];

/** @type {import('electron-builder').Configuration} */
export default {
  appId: 'org.opal.ct',
  productName: 'OPAL',
  // The app never contacts a server (DESIGN.md §5): no auto-update feed, nothing published.
  publish: null,
  directories: { output: 'dist/electron', buildResources: 'build' },
  // Production dependencies only (package.json "dependencies": the runtime packages above); the
  // bundled libraries are devDependencies and never ship twice. onnxruntime-node's binding is
  // prebuilt inside its npm package: nothing to rebuild (a rebuild would download Electron headers).
  npmRebuild: false,
  buildDependenciesFromSource: false,
  files: [
    'package.json',
    'out/**',
    '!out/**/*.map',
    'models/manifests/*.json',
    'models/*.onnx',
    // onnxruntime-node ships binaries for every platform: each installer keeps only its own
    // (electron-builder expands ${platform} to linux, darwin or win32, as Node names them).
    '!node_modules/onnxruntime-node/bin/napi-v*/!(${platform})/**',
  ],
  // Native addons, WebAssembly, the ONNX models and whatever the worker threads load cannot be used
  // from inside an asar archive (native loaders and worker threads read the real file system):
  // electron/main/appPaths.ts maps app.asar paths to app.asar.unpacked for these.
  asarUnpack: [
    '**/*.node',
    '**/*.wasm',
    'models/*.onnx',
    'out/workers/**',
    'out/chunks/**',
    ...RUNTIME_PACKAGES.map((p) => `node_modules/${p}/**`),
  ],
  extraMetadata: { main: 'out/main/index.mjs' },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Science',
    maintainer: 'OPAL maintainers',
    synopsis: 'Offline COVID-19 lung infection segmentation on chest CT (investigational)',
  },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.medical',
    hardenedRuntime: true,
  },
};
