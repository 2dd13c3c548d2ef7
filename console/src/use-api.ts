import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

/**
 * A GET of the admin API, read when the page opens, every `refreshMs` after, and on `reload()` (after a change the
 * page made); the last error, if the last read failed.
 */
export function useApi<T>(path: string, refreshMs?: number): { data?: T; error?: string; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [reads, setReads] = useState(0);
  useEffect(() => {
    let live = true;
    const read = () =>
      api<T>(path).then(
        (data) => live && setState({ data }),
        (error: Error) => live && setState((last) => ({ ...last, error: error.message })),
      );
    void read();
    const timer = refreshMs === undefined ? undefined : setInterval(read, refreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path, refreshMs, reads]);
  const reload = useCallback(() => setReads((n) => n + 1), []);
  return { ...state, reload };
}
