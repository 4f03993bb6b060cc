/** @jsxImportSource hono/jsx */
/**
 * The page frame and small shared components. Pages are Hono JSX: every string is escaped when
 * rendered, so policy text, ARNs and tags always appear as text; nothing here uses `raw` or
 * `dangerouslySetInnerHTML`. No inline script or style (the CSP forbids both): behaviour comes
 * from `/static/app.js`, looks from `/static/app.css`.
 */
import type { Child, FC } from 'hono/jsx';
import type { FindingType } from '../../findings/types.js';
import type { FindingStatus } from '../../store/types.js';

/** Which top-level section a page belongs to. */
export type Section = 'overview' | 'findings' | 'rules' | 'permission-sets';

/** What every page shows in its frame. */
export interface FrameInfo {
  /** The database file. */
  dbPath: string;
  /** The catalog version the dashboard recomputes tries with. */
  catalogVersion: string;
  /** The iam-refine version. */
  version: string;
}

export const Layout: FC<{
  title: string;
  section?: Section;
  frame: FrameInfo;
  children?: Child;
}> = ({ title, section, frame, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <title>{`${title} · iam-refine`}</title>
      <link rel="stylesheet" href="/static/app.css" />
      <link rel="icon" type="image/svg+xml" href="/static/favicon.svg" />
      <script src="/static/app.js" defer></script>
    </head>
    <body>
      <header class="topbar">
        <a class="brand" href="/">
          <img src="/static/favicon.svg" alt="" />
          iam-refine
        </a>
        <nav aria-label="Sections">
          <a href="/" class={section === 'overview' ? 'current' : undefined}>
            Overview
          </a>
          <a href="/findings" class={section === 'findings' ? 'current' : undefined}>
            Findings
          </a>
          <a href="/rules" class={section === 'rules' ? 'current' : undefined}>
            Archive rules
          </a>
          <a href="/permission-sets" class={section === 'permission-sets' ? 'current' : undefined}>
            Permission sets
          </a>
        </nav>
        <span class="db" title={frame.dbPath}>
          {frame.dbPath}
        </span>
      </header>
      <main>{children}</main>
      <footer>
        iam-refine {frame.version} · catalog {frame.catalogVersion} · local dashboard (127.0.0.1
        only)
      </footer>
    </body>
  </html>
);

/** Human labels of the finding types. */
export const TYPE_LABELS: Record<FindingType, string> = {
  UnusedIAMRole: 'Unused role',
  UnusedIAMUserPassword: 'Unused password',
  UnusedIAMUserAccessKey: 'Unused access key',
  UnusedPermission: 'Unused permissions',
};

export const StatusBadge: FC<{ status: FindingStatus }> = ({ status }) => (
  <span class={`badge status-${status}`}>{status}</span>
);

export const TypeBadge: FC<{ type: FindingType }> = ({ type }) => (
  <span class="badge type" title={type}>
    {TYPE_LABELS[type] ?? type}
  </span>
);

/** `1234567` → `1,234,567`. */
export function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** An ISO time as `2024-06-01 12:34 UTC` (the input unchanged when it is not a date). */
export function when(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An ISO time as `2024-06-01`. */
export function day(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** A notice box. */
export const Notice: FC<{ kind: 'ok' | 'warn' | 'error'; children?: Child }> = ({
  kind,
  children,
}) => (
  <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </div>
);

/**
 * Text with line-break opportunities after `:` and `/` (ARNs), so long ARNs wrap at their
 * separators; the text itself is unchanged (and escaped as any other).
 */
export const Breakable: FC<{ text: string }> = ({ text }) => {
  const parts: Child[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if ((ch === ':' || ch === '/') && i + 1 < text.length) {
      parts.push(text.slice(start, i + 1), <wbr />);
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return <>{parts}</>;
};
