/** The parser has no types of its own: the shape of what it returns, as far as the tests read it. */
declare module 'parse-prometheus-text-format' {
  interface Series {
    labels?: Record<string, string>;
    value?: string;
    count?: string;
    sum?: string;
    buckets?: Record<string, string>;
  }
  interface Family {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Series[];
  }
  // The package's own export is a default one.
  // eslint-disable-next-line no-restricted-syntax
  export default function parsePrometheusTextFormat(text: string): Family[];
}
