import { DECISIONS, DECISION_WORDS, type Decision } from '../audit.js';

export type MinuteCounts = { minute: string } & Record<Decision, number>;

const WIDTH = 720;
const HEIGHT = 140;
const GAP = 2;

/**
 * Calls per minute as stacked columns, one colour per decision, drawn as plain SVG: a handful of rectangles per
 * minute is all a chart of an hour needs, so no charting library (and its weight, and its inline styles, which the
 * console's Content-Security-Policy refuses) is brought in. Screen readers get the title and a desc of the totals;
 * the page puts the numbers in a table beside it.
 */
export function MinuteChart({ perMinute, id }: { perMinute: readonly MinuteCounts[]; id: string }) {
  const totals = perMinute.map((minute) => DECISIONS.reduce((sum, decision) => sum + minute[decision], 0));
  const highest = Math.max(1, ...totals);
  const column = WIDTH / Math.max(1, perMinute.length);
  const all = totals.reduce((sum, n) => sum + n, 0);
  const desc = `${all} calls in ${perMinute.length} minutes; at most ${Math.max(0, ...totals)} in one minute.`;
  return (
    <figure class="chart">
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT}>
        <title id={`${id}-title`}>Calls per minute by decision</title>
        <desc id={`${id}-desc`}>{desc}</desc>
        <line class="axis" x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} />
        {perMinute.map((minute, i) => {
          let top = HEIGHT;
          return DECISIONS.filter((decision) => minute[decision] > 0).map((decision) => {
            const height = (minute[decision] / highest) * (HEIGHT - 10);
            top -= height;
            return <rect key={`${minute.minute}-${decision}`} class={`decision-${decision}`} x={i * column + GAP / 2} y={top} width={Math.max(1, column - GAP)} height={height} />;
          });
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {DECISIONS.map((decision) => (
            <li key={decision}>
              <span class={`swatch decision-${decision}`} aria-hidden="true" />
              {DECISION_WORDS[decision]}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
