/**
 * Node 20 compatibility shim for the ES2024 built-ins that Helia and libp2p use.
 *
 * `Promise.withResolvers` (ES2024) ships with Node 22; Node 20 lacks it, and `@helia/utils`, `libp2p`,
 * `it-queue` and `mortice` call it as soon as a block is written or a pin is taken ("Promise.withResolvers is
 * not a function"). {@link ensurePromiseWithResolvers} installs the standard definition when, and only when,
 * the runtime has none.
 *
 * @module
 */

/** What `Promise.withResolvers()` returns. */
interface PromiseWithResolversResult<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseConstructorWithResolvers = PromiseConstructor & {
  withResolvers?: <T>() => PromiseWithResolversResult<T>;
};

/**
 * Defines `Promise.withResolvers` as ES2024 specifies it (non-enumerable, writable, configurable), if missing.
 * Idempotent; a no-op on Node 22+.
 */
export function ensurePromiseWithResolvers(): void {
  const PromiseCtor = Promise as PromiseConstructorWithResolvers;
  if (typeof PromiseCtor.withResolvers === "function") return;
  Object.defineProperty(PromiseCtor, "withResolvers", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): PromiseWithResolversResult<T> {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
