import net from "node:net";

type Pair = { client: net.Socket; server: net.Socket };

/**
 * A TCP relay in front of a server, standing for the network between it and one client: the
 * test can cut the connections open now (the server's side is closed at once; the client's
 * after what was already relayed, so it sees the server hang up), and hold new connections at
 * the door until it lets them through.
 */
export class TcpRelay {
  private readonly pairs = new Set<Pair>();
  private readonly waiting: net.Socket[] = [];
  /** Every accepted socket, to destroy at `stop()`. */
  private readonly accepted = new Set<net.Socket>();
  private holding = false;

  private constructor(
    private readonly listener: net.Server,
    private readonly target: { host: string; port: number },
    /** `http://host:port` of the relay. */
    readonly url: string,
  ) {}

  static async start(targetUrl: string): Promise<TcpRelay> {
    const target = new URL(targetUrl);
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const { port } = listener.address() as net.AddressInfo;
    const relay = new TcpRelay(listener, { host: target.hostname, port: Number(target.port) }, `http://127.0.0.1:${port}`);
    listener.on("connection", (client) => relay.accept(client));
    return relay;
  }

  /** New connections wait (accepted, unread) until `release()`. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const client of this.waiting.splice(0)) this.connect(client);
  }

  /** Cuts every relayed connection. */
  cut(): void {
    for (const { client, server } of this.pairs) {
      server.destroy();
      client.end();
    }
    this.pairs.clear();
  }

  /**
   * Down as a restarting server is: open connections cut, new ones refused (ECONNREFUSED),
   * until `up()` listens on the same port again.
   */
  async down(): Promise<void> {
    this.cut();
    for (const socket of this.accepted) socket.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  async up(): Promise<void> {
    const port = Number(new URL(this.url).port);
    await new Promise<void>((resolve) => this.listener.listen(port, "127.0.0.1", resolve));
  }

  /**
   * Destroys every socket it ever accepted: an ended (`cut`) socket whose peer has died
   * closes only once it reads the peer's end, which a paused socket never does, and the
   * listener's close waits for it.
   */
  async stop(): Promise<void> {
    this.cut();
    this.waiting.length = 0;
    for (const socket of this.accepted) socket.destroy();
    if (this.listener.listening) await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted.add(client);
    client.on("close", () => this.accepted.delete(client));
    client.on("error", () => {});
    client.pause();
    if (this.holding) this.waiting.push(client);
    else this.connect(client);
  }

  private connect(client: net.Socket): void {
    // Closed while held: its 'close' has fired already and would never end the pair.
    if (client.destroyed) return;
    const server = net.connect(this.target);
    const pair = { client, server };
    this.pairs.add(pair);
    server.on("error", () => client.destroy());
    const done = () => {
      this.pairs.delete(pair);
      server.destroy();
      client.destroy();
    };
    client.on("close", done);
    client.pipe(server);
    server.pipe(client);
  }
}
