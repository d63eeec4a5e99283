// Types of sio-cpp-client: the part of socket.io-client 4.8's API that this client offers, with the
// same names and generic parameters, so that code typed against socket.io-client (typed events:
// Socket<ServerToClientEvents, ClientToServerEvents>) type-checks against this package. Written for
// this package (docs/client.md, "The JavaScript API"); what socket.io-client has and this client
// does not is left out, so that using it is a type error rather than a silent no-op.

// ---- typed events (the shape of @socket.io/component-emitter's types) ----

export interface EventsMap {
  [event: string]: any;
}
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}
export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;
export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  EventNames<Reserved> | EventNames<User>;
type FallbackToUntypedListener<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void> : T;
export type ReservedOrUserListener<Reserved extends EventsMap, User extends EventsMap,
                                   Ev extends ReservedOrUserEventNames<Reserved, User>> =
  FallbackToUntypedListener<Ev extends EventNames<Reserved> ? Reserved[Ev]
                            : Ev extends EventNames<User> ? User[Ev] : never>;

export declare class Emitter<ListenEvents extends EventsMap, EmitEvents extends EventsMap,
                             ReservedEvents extends EventsMap = {}> {
  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev, listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>): this;
  addEventListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev, listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>): this;
  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev, listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>): this;
  off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev, listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>): this;
  removeListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev, listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>): this;
  removeEventListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev, listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>): this;
  removeAllListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev?: Ev): this;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this;
  listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    event: Ev): ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[];
  hasListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(event: Ev): boolean;
}

// ---- options ----

/** The Manager options this client reads (socket.io-client's names and defaults). */
export interface ManagerOptions {
  /** Default "/socket.io". */
  path: string;
  /** Added to every Engine.IO request (merged with the query of the io() URL). */
  query: { [key: string]: any } | string;
  /** Sent on polling requests only: browsers cannot set WebSocket headers. */
  extraHeaders: { [header: string]: string };
  /** Default ["polling", "websocket"]. */
  transports: ("polling" | "websocket")[];
  upgrade: boolean;
  rememberUpgrade: boolean;
  withCredentials: boolean;
  addTrailingSlash: boolean;
  forceNew: boolean;
  multiplex: boolean;
  reconnection: boolean;
  reconnectionAttempts: number;
  reconnectionDelay: number;
  reconnectionDelayMax: number;
  randomizationFactor: number;
  /** Connect timeout in ms, or false for none. Default 20000. */
  timeout: number | false;
  autoConnect: boolean;
  /**
   * The wire format, as socket.io-client takes it: the module socket.io-msgpack-parser (or
   * socket.io-parser, the default). Other parsers are refused (io() throws).
   */
  parser: any;
  /** Non-standard: 3 talks to socket.io 2.x servers (Engine.IO v3). */
  EIO: 3 | 4;
}

/** The Socket options (socket.io-client's SocketOptions). */
export interface SocketOptions {
  auth: { [key: string]: any } | ((cb: (data: object) => void) => void);
  retries: number;
  ackTimeout: number;
}

export type DisconnectDescription = Error | { description: string; context?: unknown };

export interface ExtendedError extends Error {
  data?: any;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: Socket.DisconnectReason, description?: DisconnectDescription) => void;
}

export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  close: (reason: string, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
}

// ---- acknowledgements (socket.io-client's helper types) ----

type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result ? (err: Error, ...args: Params) => Result : T[K];
};
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result ? (...args: PrependTimeoutError<Params>) => Result : E[K];
};
export type Last<T extends any[]> = T extends [...infer H, infer L] ? L : any;
export type AllButLast<T extends any[]> = T extends [...infer H, infer L] ? H : any[];
export type FirstArg<T> = T extends (arg: infer Param) => infer Result ? Param : any;

// ---- Socket, Manager ----

export declare class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>
  extends Emitter<ListenEvents, EmitEvents, SocketReservedEvents> {
  readonly io: Manager<ListenEvents, EmitEvents>;
  /** The session id while connected, undefined otherwise. */
  readonly id: string | undefined;
  readonly connected: boolean;
  readonly disconnected: boolean;
  readonly active: boolean;
  /** Whether the server restored the session (connection state recovery) at the last connect. */
  readonly recovered: boolean;
  readonly nsp: string;
  auth: { [key: string]: any } | ((cb: (data: object) => void) => void);
  constructor(io: Manager, nsp: string, opts?: Partial<SocketOptions>);
  connect(): this;
  open(): this;
  send(...args: any[]): this;
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this;
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev, ...args: AllButLast<EventParams<EmitEvents, Ev>>): Promise<FirstArg<Last<EventParams<EmitEvents, Ev>>>>;
  disconnect(): this;
  close(): this;
  /** Accepted for compatibility; has no effect. */
  compress(compress: boolean): this;
  get volatile(): this;
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  onAny(listener: (...args: any[]) => void): this;
  prependAny(listener: (...args: any[]) => void): this;
  offAny(listener?: (...args: any[]) => void): this;
  listenersAny(): ((...args: any[]) => void)[];
  onAnyOutgoing(listener: (...args: any[]) => void): this;
  prependAnyOutgoing(listener: (...args: any[]) => void): this;
  offAnyOutgoing(listener?: (...args: any[]) => void): this;
  listenersAnyOutgoing(): ((...args: any[]) => void)[];
}
export declare namespace Socket {
  type DisconnectReason = "io server disconnect" | "io client disconnect" | "ping timeout" | "transport close"
    | "transport error" | "parse error";
}

/** socket.io.engine: one object for the Manager's lifetime (socket.io-client makes one per connection). */
export interface Engine extends Emitter<{}, {}, { open: () => void; upgrade: (transport: { name: string }) => void; close: () => void }> {
  readonly id: string | undefined;
  readonly transport: { name: "" | "polling" | "websocket" };
  close(): this;
}

export declare class Manager<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>
  extends Emitter<{}, {}, ManagerReservedEvents> {
  readonly engine: Engine;
  opts: Partial<ManagerOptions>;
  constructor(opts: Partial<ManagerOptions>);
  constructor(uri?: string, opts?: Partial<ManagerOptions>);
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>);
  reconnection(v: boolean): this;
  reconnection(): boolean;
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(): number;
  randomizationFactor(v: number): this;
  randomizationFactor(): number;
  timeout(v: number | boolean): this;
  timeout(): number | boolean;
  open(fn?: (err?: Error) => void): this;
  connect(fn?: (err?: Error) => void): this;
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket;
  close(): void;
  disconnect(): void;
}

// ---- io() ----

export interface Lookup {
  (opts?: Partial<ManagerOptions & SocketOptions>): Socket;
  (uri?: string, opts?: Partial<ManagerOptions & SocketOptions>): Socket;
  Manager: typeof Manager;
  Socket: typeof Socket;
  io: Lookup;
  connect: Lookup;
  protocol: number;
}

/** socket.io-client's io(): a Socket for the URL's namespace, on a cached Manager per server unless forceNew. */
export declare const io: Lookup;
export declare const connect: Lookup;
export declare const protocol: number;
export default io;
