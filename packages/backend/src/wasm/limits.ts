/** The most threads tfjs-backend-wasm 4.22's threaded build creates workers for. */
export const MAX_WASM_THREADS = 8;
