export * from './errors.js';
export * from './validate.js';
export * from './random.js';
export { setupBackend, resolveBackendName, BACKEND_NAMES, BACKEND_ENV_VARIABLE } from './backend/setup-backend.js';
export type { BackendName, BackendOptions, BackendInfo } from './backend/setup-backend.js';
export {
  installWasmKernels,
  uninstallWasmKernels,
  wasmKernelsInstalled,
  DISTILLERY_WASM_KERNELS,
} from './backend/wasm-kernels/install-wasm-kernels.js';
export { setWasmKernelScratchLimit } from './backend/wasm-kernels/wasm-backend-handle.js';
