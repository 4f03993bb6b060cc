/**
 * A small loopback HTTP server that answers the real AWS SDK clients in AWS's wire formats, for
 * tests: the query protocol (IAM, STS: form-encoded POST, XML answers), JSON 1.1 (Organizations:
 * `X-Amz-Target`) and REST-JSON (Access Analyzer: method and path).
 *
 * It is generic: each service is a {@link ServiceDefinition} (protocol, routes, and a handler per
 * operation with the IAM action it needs); requests are routed by the SigV4 credential scope's
 * service name, then by `Action` / `X-Amz-Target` / method and path. Handlers return the result
 * object and throw {@link AwsError} for AWS errors. Every request is logged, faults (errors,
 * requests that never answer) can be injected per operation, and an `authorize` hook denies
 * actions per caller.
 *
 * Test support only: nothing in the product imports this module. Listens on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseSigV4, queryError, queryResponse, type XmlValue } from './wire.js';

/** The wire protocols the server speaks. */
export type Protocol = 'query' | 'json' | 'rest-json';

/** An AWS error a handler throws: its code (`AccessDenied`, `Throttling`, ...) and HTTP status. */
export class AwsError extends Error {
  override name = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** One request as a handler sees it. */
export interface FakeCall {
  /** The SigV4 signing name: `iam`, `sts`, `organizations`, `access-analyzer`. */
  service: string;
  /** The operation name, e.g. `GetAccountAuthorizationDetails`. */
  operation: string;
  /** The caller's access key id (from the SigV4 `Authorization` header). */
  accessKeyId: string;
  /** Query protocol: the form parameters; REST: the query string. */
  params: Map<string, string>;
  /** JSON protocols: the parsed body (`{}` when empty). */
  json: Record<string, unknown>;
  /** REST-JSON: the path's `{labels}`, URL-decoded. */
  pathParams: Record<string, string>;
  /** The request id the answer carries. */
  requestId: string;
}

/** What a handler returns: the result members (query protocol) or the JSON body. */
export type HandlerResult = Record<string, unknown> | undefined;

/** One operation of a service. */
export interface OperationDefinition {
  /** The IAM action the call needs (checked with the server's `authorize` hook), or null. */
  action: string | null;
  /** Answers the call; throws {@link AwsError} for an AWS error. */
  handle: (call: FakeCall) => HandlerResult | Promise<HandlerResult>;
}

/** A REST-JSON route: `['GET', '/findingv2/{id}', 'GetFindingV2']`. */
export type Route = readonly [method: string, path: string, operation: string];

/** A service the server answers. */
export interface ServiceDefinition {
  protocol: Protocol;
  /** REST-JSON only: method and path template per operation. */
  routes?: readonly Route[];
  /** By operation name. */
  operations: Record<string, OperationDefinition>;
}

/** A fault injected into the answers of one operation. */
export interface Fault {
  /** The operation it applies to. */
  operation: string;
  /** The service (default: any service with that operation). */
  service?: string;
  /** Calls to let through before the fault starts (default 0). */
  skip?: number;
  /** How many calls it affects (default 1; `Infinity` for all). */
  times?: number;
  /** An AWS error to answer with, or `hang`: never answer (the socket stays open until close). */
  respond: { code: string; message: string; status?: number } | 'hang';
}

/** One logged request. */
export interface LoggedCall {
  service: string;
  operation: string;
  accessKeyId: string;
  /** The HTTP status answered (0 for a request left hanging). */
  status: number;
  /** The AWS error code answered, if any. */
  errorCode?: string;
  /** Query parameters / JSON body, for assertions. */
  params: Record<string, unknown>;
}

/** Decides whether a caller may perform an action: an {@link AwsError} denies it. */
export type Authorize = (call: FakeCall, action: string) => AwsError | undefined;

/** The loopback fake AWS endpoint. */
export class FakeAwsServer {
  /** Every request answered (or left hanging), in arrival order. */
  readonly calls: LoggedCall[] = [];
  private readonly faults: (Fault & { seen: number; hit: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private url = '';

  constructor(
    private readonly services: Record<string, ServiceDefinition>,
    private readonly authorize: Authorize = () => undefined,
  ) {}

  /** The endpoint URL for the SDK clients' `endpoint` option (valid after {@link start}). */
  get endpoint(): string {
    return this.url;
  }

  /** Starts listening on 127.0.0.1 on a random port; returns the endpoint URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Stops the server and drops every open connection (hanging requests included). */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Injects a fault (see {@link Fault}). */
  addFault(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, hit: 0 });
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The logged calls of one operation (of one service, when given). */
  callsOf(operation: string, service?: string): LoggedCall[] {
    return this.calls.filter(
      (c) => c.operation === operation && (service === undefined || c.service === service),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const requestId = randomUUID();
    const sig = parseSigV4(header(req, 'authorization'));
    const service = sig?.service ?? '';
    const definition = this.services[service];
    if (sig === undefined || definition === undefined) {
      res.statusCode = 400;
      res.end(`unknown service or unsigned request: ${service}`);
      return;
    }

    const call: FakeCall = {
      service,
      operation: '',
      accessKeyId: sig.accessKeyId,
      params: new Map(),
      json: {},
      pathParams: {},
      requestId,
    };
    if (definition.protocol === 'query') {
      for (const [k, v] of new URLSearchParams(body)) call.params.set(k, v);
      call.operation = call.params.get('Action') ?? '';
    } else {
      for (const [k, v] of url.searchParams) call.params.set(k, v);
      call.json = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      if (definition.protocol === 'json') {
        call.operation = (header(req, 'x-amz-target') ?? '').split('.').pop() ?? '';
      } else {
        const match = matchRoute(definition.routes ?? [], req.method ?? 'GET', url.pathname);
        if (match !== undefined) {
          call.operation = match.operation;
          call.pathParams = match.params;
        }
      }
    }

    const logged: LoggedCall = {
      service,
      operation: call.operation,
      accessKeyId: call.accessKeyId,
      status: 0,
      params: definition.protocol === 'query' ? Object.fromEntries(call.params) : call.json,
    };
    this.calls.push(logged);

    const fault = this.takeFault(service, call.operation);
    if (fault === 'hang') return; // never answered; the socket is destroyed by close()

    let status = 200;
    let result: HandlerResult;
    let error: AwsError | undefined = fault;
    if (error === undefined) {
      const op = definition.operations[call.operation];
      if (op === undefined) {
        error = new AwsError(
          definition.protocol === 'query' ? 'InvalidAction' : 'UnknownOperationException',
          `The action ${call.operation} is not valid for this web service.`,
        );
      } else {
        error = op.action === null ? undefined : this.authorize(call, op.action);
        if (error === undefined) {
          try {
            result = await op.handle(call);
          } catch (thrown) {
            if (!(thrown instanceof AwsError)) throw thrown;
            error = thrown;
          }
        }
      }
    }

    if (error !== undefined) {
      status = error.status;
      logged.errorCode = error.code;
    }
    logged.status = status;
    res.statusCode = status;
    res.setHeader('x-amzn-requestid', requestId);
    switch (definition.protocol) {
      case 'query':
        res.setHeader('content-type', 'text/xml');
        res.end(
          error === undefined
            ? queryResponse(service, call.operation, result as Record<string, XmlValue>, requestId)
            : queryError(service, error.code, error.message, requestId),
        );
        return;
      case 'json':
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(
          JSON.stringify(
            error === undefined ? (result ?? {}) : { __type: error.code, Message: error.message },
          ),
        );
        return;
      case 'rest-json':
        res.setHeader('content-type', 'application/json');
        if (error !== undefined) res.setHeader('x-amzn-errortype', error.code);
        res.end(JSON.stringify(error === undefined ? (result ?? {}) : { message: error.message }));
        return;
    }
  }

  private takeFault(service: string, operation: string): AwsError | 'hang' | undefined {
    for (const fault of this.faults) {
      if (fault.operation !== operation) continue;
      if (fault.service !== undefined && fault.service !== service) continue;
      fault.seen++;
      if (fault.seen <= (fault.skip ?? 0)) continue;
      if (fault.hit >= (fault.times ?? 1)) continue;
      fault.hit++;
      if (fault.respond === 'hang') return 'hang';
      return new AwsError(fault.respond.code, fault.respond.message, fault.respond.status ?? 400);
    }
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Matches a REST path against `{label}` templates. */
function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { operation: string; params: Record<string, string> } | undefined {
  const parts = path.split('/');
  for (const [m, template, operation] of routes) {
    if (m !== method) continue;
    const tparts = template.split('/');
    if (tparts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < tparts.length && ok; i++) {
      const t = tparts[i]!;
      if (t.startsWith('{') && t.endsWith('}'))
        params[t.slice(1, -1)] = decodeURIComponent(parts[i]!);
      else ok = t === parts[i];
    }
    if (ok) return { operation, params };
  }
  return undefined;
}
