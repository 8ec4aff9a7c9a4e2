/**
 * The promise itself, marked as handled: one nobody awaits (the demo's `ready`, rejected when the runtime
 * stops while the demo loads) must not end the process as an unhandled rejection. Whoever awaits it still
 * sees why.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
