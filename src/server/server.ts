/**
 * Starts the dashboard on 127.0.0.1 (never another interface) with a fresh random one-time token,
 * and returns the URL to open once (`http://127.0.0.1:PORT/?token=...`).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ActionCatalog } from '../catalog/catalog.js';
import type { FindingsStore } from '../store/types.js';
import { createApp } from './app.js';
import { newToken, type SecurityConfig } from './security.js';

/** The only address the dashboard listens on. */
export const LISTEN_HOST = '127.0.0.1';

/** Options of {@link startDashboard}. */
export interface StartOptions {
  store: FindingsStore;
  catalog: ActionCatalog;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** The iam-refine version shown in the footer. */
  version: string;
  /** How the page frame names the database (default: the store's path). */
  dbLabel?: string;
  /** The token (default: a new random one; tests may fix it). */
  token?: string;
  /** Where unexpected errors are reported (default: stderr). */
  logError?: (error: unknown) => void;
  /** Where expected failures are reported, one line each (default: stderr). */
  logLine?: (line: string) => void;
  /** How long a change waits for another process's write lock, in ms (default 1 s). */
  busyRetryMs?: number;
  /** Terraform / CloudFormation folders: finding pages offer a patch of them (`serve --iac`). */
  iacDirs?: readonly string[];
}

/** A running dashboard. */
export interface RunningDashboard {
  /** The port it listens on. */
  port: number;
  /** The URL with the token, to open once. */
  url: string;
  /** The origin, `http://127.0.0.1:PORT`. */
  origin: string;
  /** The token. */
  token: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts the dashboard.
 *
 * @throws Error when the port cannot be bound (in use, not allowed).
 */
export async function startDashboard(options: StartOptions): Promise<RunningDashboard> {
  const config: SecurityConfig = { token: options.token ?? newToken(), port: options.port ?? 0 };
  const app = createApp({
    store: options.store,
    catalog: options.catalog,
    security: config,
    version: options.version,
    ...(options.logError ? { logError: options.logError } : {}),
    ...(options.logLine ? { logLine: options.logLine } : {}),
    ...(options.busyRetryMs !== undefined ? { busyRetryMs: options.busyRetryMs } : {}),
    ...(options.dbLabel !== undefined ? { dbLabel: options.dbLabel } : {}),
    ...(options.iacDirs !== undefined ? { iacDirs: options.iacDirs } : {}),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: LISTEN_HOST, port: config.port }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  config.port = address.port;
  const origin = `http://${LISTEN_HOST}:${address.port}`;
  return {
    port: address.port,
    origin,
    token: config.token,
    url: `${origin}/?token=${config.token}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
