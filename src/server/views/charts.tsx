/** @jsxImportSource hono/jsx */
/**
 * The overview's charts, drawn on the server as SVG (no chart library, no script): the services
 * with the most unused permissions as horizontal bars, and the findings per status across scans as
 * lines. Colours come from app.css classes.
 */
import type { FC } from 'hono/jsx';
import type { FindingStatus, ScanTrendPoint, ServiceCount } from '../../store/types.js';
import { day, num } from './layout.js';

/** The smallest 1, 2 or 5 × 10^k that is at least `n` (at least 1). */
export function niceCeil(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

const BAR_WIDTH = 500;
const BAR_ROW = 30;
const BAR_LABEL = 120;
const BAR_VALUE = 150;

/** Services with the most unused permissions; each bar links to its findings. */
export const ServiceBars: FC<{
  services: ServiceCount[];
  hrefFor: (service: string) => string;
}> = ({ services, hrefFor }) => {
  if (services.length === 0) {
    return <p class="empty">No active unused-permission findings.</p>;
  }
  const max = Math.max(...services.map((s) => s.findings), 1);
  const plot = BAR_WIDTH - BAR_LABEL - BAR_VALUE;
  const height = services.length * BAR_ROW + 8;
  return (
    <svg
      class="chart bars"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${BAR_WIDTH} ${height}`}
      role="img"
      aria-label="Services with the most unused permissions"
    >
      {services.map((s, i) => {
        const y = 4 + i * BAR_ROW;
        const w = Math.max(2, Math.round((s.findings / max) * plot));
        const actions =
          s.unusedActions > 0
            ? `${num(s.unusedActions)} action${s.unusedActions === 1 ? '' : 's'}`
            : 'whole service';
        const tooltip =
          `${s.service}: ${num(s.findings)} finding${s.findings === 1 ? '' : 's'}, ` +
          `${num(s.unusedActions)} unused actions listed, ` +
          `${num(s.wholeServiceUnused)} with the whole service unused`;
        return (
          <a href={hrefFor(s.service)} class="bar-link">
            <title>{tooltip}</title>
            <text x={BAR_LABEL - 10} y={y + 15} text-anchor="end">
              {s.service}
            </text>
            <rect class="bar" x={BAR_LABEL} y={y + 4} width={w} height={BAR_ROW - 10} rx="3" />
            <text class="bar-value" x={BAR_LABEL + w + 8} y={y + 15}>
              {`${num(s.findings)} · ${actions}`}
            </text>
          </a>
        );
      })}
    </svg>
  );
};

const TREND_WIDTH = 500;
const TREND_HEIGHT = 210;
const PAD = { left: 48, right: 16, top: 12, bottom: 34 };

const SERIES: readonly { status: FindingStatus; cls: string }[] = [
  { status: 'ACTIVE', cls: 'active' },
  { status: 'ARCHIVED', cls: 'archived' },
  { status: 'RESOLVED', cls: 'resolved' },
];

/** Findings per status after each scan. */
export const TrendChart: FC<{ points: ScanTrendPoint[] }> = ({ points }) => {
  if (points.length === 0) return <p class="empty">No scans recorded yet.</p>;
  const max = niceCeil(
    Math.max(...points.flatMap((p) => SERIES.map((s) => p.byStatus[s.status] ?? 0)), 1),
  );
  const plotW = TREND_WIDTH - PAD.left - PAD.right;
  const plotH = TREND_HEIGHT - PAD.top - PAD.bottom;
  const xOf = (i: number) =>
    points.length === 1 ? PAD.left + plotW / 2 : PAD.left + (i * plotW) / (points.length - 1);
  const yOf = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * max));
  const labelEvery = Math.max(1, Math.ceil(points.length / 8));
  return (
    <svg
      class="chart trend"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${TREND_WIDTH} ${TREND_HEIGHT}`}
      role="img"
      aria-label="Findings per status across scans"
    >
      {ticks.map((t) => (
        <g>
          <line
            class="gridline"
            x1={PAD.left}
            x2={TREND_WIDTH - PAD.right}
            y1={yOf(t)}
            y2={yOf(t)}
          />
          <text class="axis-label" x={PAD.left - 8} y={yOf(t) + 4} text-anchor="end">
            {num(t)}
          </text>
        </g>
      ))}
      {points.map((p, i) =>
        i % labelEvery === 0 || i === points.length - 1 ? (
          <text
            class="axis-label"
            x={xOf(i)}
            y={TREND_HEIGHT - 12}
            text-anchor={
              points.length === 1
                ? 'middle'
                : i === 0
                  ? 'start'
                  : i === points.length - 1
                    ? 'end'
                    : 'middle'
            }
          >
            {`#${p.scanId} ${day(p.analyzedAt)}`}
          </text>
        ) : null,
      )}
      {SERIES.map((s) =>
        points.length > 1 ? (
          <polyline
            class={`series ${s.cls}`}
            points={points.map((p, i) => `${xOf(i)},${yOf(p.byStatus[s.status] ?? 0)}`).join(' ')}
          />
        ) : null,
      )}
      {SERIES.map((s) =>
        points.map((p, i) => (
          <circle class={`dot ${s.cls}`} cx={xOf(i)} cy={yOf(p.byStatus[s.status] ?? 0)} r="3.5">
            <title>{`scan #${p.scanId} (${day(p.analyzedAt)}): ${num(p.byStatus[s.status] ?? 0)} ${s.status}`}</title>
          </circle>
        )),
      )}
    </svg>
  );
};

/** The legend of {@link TrendChart}. */
export const TrendLegend: FC = () => (
  <ul class="legend">
    {SERIES.map((s) => (
      <li>
        <span class={`swatch ${s.cls}`}></span>
        {s.status}
      </li>
    ))}
  </ul>
);
