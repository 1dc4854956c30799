import { createServer } from "node:net";

/**
 * Finds a TCP port that is free on `host` by letting the OS pick one (listening on port 0) and releasing it.
 * Another process could take the port before it is used; callers bind it right away.
 * @param host The interface to check, for example `127.0.0.1`.
 */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not find a free port on ${host}`))));
    });
  });
}

/**
 * Whether `port` on `host` can be bound right now.
 * @param host The interface, for example `127.0.0.1`.
 * @param port The port to test.
 */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
