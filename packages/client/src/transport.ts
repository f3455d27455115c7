import { errorFrom, unreachable } from "./errors";
import { fillPath, type Operation } from "./operations";

export type TokenSource = string | (() => string | Promise<string>);

export type ClientOptions = {
  /** Vigil's base URL, e.g. https://vigil.example.com (no trailing path). */
  baseUrl: string;
  /** A bearer token, or a function asked before each call (it may refresh). */
  token?: TokenSource;
  fetch?: typeof fetch;
  userAgent?: string;
};

export type CallOptions = {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined | null>;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** false: send no bearer token (public endpoints, the token endpoint). */
  auth?: boolean;
  signal?: AbortSignal;
};

/** The one place requests are made: URL from the operation, bearer token, typed errors. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? fetch;
  }

  url(op: Operation, call: CallOptions = {}): URL {
    const url = new URL(this.baseUrl + fillPath(op[1], call.params));
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    return url;
  }

  private async bearer(): Promise<string | null> {
    const token = this.options.token;
    if (token === undefined) return null;
    return typeof token === "string" ? token : await token();
  }

  /** The raw response of a 2xx answer; anything else is thrown as a typed error. */
  async send(op: Operation, call: CallOptions = {}): Promise<Response> {
    const url = this.url(op, call);
    const headers: Record<string, string> = { accept: "application/json", ...(this.options.userAgent ? { "user-agent": this.options.userAgent } : {}) };
    let body: string | undefined;
    if (call.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(call.json);
    } else if (call.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(call.form).toString();
    }
    if (call.auth !== false) {
      const token = await this.bearer();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    Object.assign(headers, call.headers);
    let response: Response;
    try {
      response = await this.fetchFn(url, { method: op[0], headers, body, signal: call.signal, redirect: "manual" });
    } catch (error) {
      if (call.signal?.aborted) throw error;
      throw unreachable(this.baseUrl, error);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw await errorFrom(response);
  }

  async json<T>(op: Operation, call: CallOptions = {}): Promise<T> {
    const response = await this.send(op, call);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }
}
