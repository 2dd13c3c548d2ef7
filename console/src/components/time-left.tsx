import { useNow } from '../use-now.js';

/** "4 min 05 s left", counting down each second, until "expired". */
export function TimeLeft({ until }: { until: number }) {
  const left = Math.max(0, Math.floor((until - useNow()) / 1000));
  if (left === 0) return <span class="expired">expired</span>;
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = String(left % 60).padStart(2, '0');
  return <time dateTime={new Date(until).toISOString()}>{hours > 0 ? `${hours} h ${minutes} min left` : minutes > 0 ? `${minutes} min ${seconds} s left` : `${left % 60} s left`}</time>;
}
