import { DECISIONS, DECISION_WORDS, type Decision } from '../audit.js';
import { Alert } from '../components/alert.js';
import { MinuteChart, type MinuteCounts } from '../components/minute-chart.js';
import { RankedBars } from '../components/ranked-bars.js';
import { When } from '../components/when.js';
import { useApi } from '../use-api.js';

interface ToolCount {
  server: string;
  tool: string;
  calls: number;
}

interface ActivityOverview {
  scope: 'replica';
  minutes: number;
  perMinute: MinuteCounts[];
  topTools: ToolCount[];
  topDenied: ToolCount[];
}

/** The last hour's tool calls on this replica: per minute by decision, the most called and the most denied tools, read every ten seconds. */
export function OverviewPage() {
  const { data, error } = useApi<ActivityOverview>('/admin/overview', 10_000);
  const busy = data?.perMinute.filter((minute) => DECISIONS.some((decision) => minute[decision] > 0)) ?? [];
  return (
    <>
      <h1>Overview</h1>
      <p class="hint">The tool calls this gateway decided in the last hour (this replica only: each replica counts its own), read again every 10 seconds.</p>
      <Alert message={error} />
      {data && (
        <>
          <section aria-labelledby="per-minute-heading">
            <h2 id="per-minute-heading">Calls per minute</h2>
            <MinuteChart id="per-minute" perMinute={data.perMinute} />
            <table class="totals">
              <caption>Calls in the last {data.minutes} minutes, by decision</caption>
              <thead>
                <tr>
                  <DecisionHeaders />
                </tr>
              </thead>
              <tbody>
                <tr>
                  <DecisionCells count={(decision) => data.perMinute.reduce((sum, minute) => sum + minute[decision], 0)} />
                </tr>
              </tbody>
            </table>
            <details>
              <summary>Each minute with calls ({busy.length})</summary>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Minute</th>
                    <DecisionHeaders />
                  </tr>
                </thead>
                <tbody>
                  {busy.map((minute) => (
                    <tr key={minute.minute}>
                      <th scope="row">
                        <When at={minute.minute} />
                      </th>
                      <DecisionCells count={(decision) => minute[decision]} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </section>
          <div class="columns">
            <section aria-labelledby="top-tools-heading">
              <h2 id="top-tools-heading">Most called tools</h2>
              <RankedBars caption="Calls of each tool in the last hour" unit="Calls" rows={data.topTools} />
            </section>
            <section aria-labelledby="top-denied-heading">
              <h2 id="top-denied-heading">Most denied tools</h2>
              <RankedBars caption="Calls denied, hidden or not granted in the last hour" unit="Denied" rows={data.topDenied} />
            </section>
          </div>
        </>
      )}
    </>
  );
}

/** A column header for each decision, in the order of the counts' cells. */
function DecisionHeaders() {
  return (
    <>
      {DECISIONS.map((decision) => (
        <th key={decision} scope="col" class="number">
          {DECISION_WORDS[decision]}
        </th>
      ))}
    </>
  );
}

/** A cell for each decision's count, under DecisionHeaders. */
function DecisionCells({ count }: { count: (decision: Decision) => number }) {
  return (
    <>
      {DECISIONS.map((decision) => (
        <td key={decision} class="number" data-decision={decision}>
          {count(decision)}
        </td>
      ))}
    </>
  );
}
