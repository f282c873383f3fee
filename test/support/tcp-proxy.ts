/**
 * Test helper: a TCP proxy on 127.0.0.1 whose server-to-client direction can be held, so a test
 * can make an answer arrive late — after the client has moved on — on purpose rather than by luck.
 *
 * @example
 * ```ts
 * const proxy = await startProxy(6379);
 * const client = new Redis({ port: proxy.port });
 * proxy.hold();    // answers from now on wait…
 * proxy.release(); // …until this
 * await proxy.stop();
 * ```
 */
import { connect, createServer, type Socket } from "node:net";

/** A running proxy to one port on 127.0.0.1. */
export interface TcpProxy {
  readonly port: number;
  /** Keep what the server sends until {@link TcpProxy.release}. */
  hold(): void;
  /** Pass on what was held, and everything after. */
  release(): void;
  stop(): Promise<void>;
}

/** Start a proxy to `targetPort` on 127.0.0.1. */
export async function startProxy(targetPort: number): Promise<TcpProxy> {
  let holding = false;
  const held: { to: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    upstream.on("data", (chunk: Buffer) => {
      if (holding) held.push({ to: client, chunk });
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  return {
    port: address.port,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const { to, chunk } of held.splice(0)) if (!to.destroyed) to.write(chunk);
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
