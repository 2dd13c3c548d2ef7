import { useApi } from '../use-api.js';
import { Alert } from '../components/alert.js';

interface ServerStatus {
  name: string;
  transport: 'stdio' | 'streamable-http' | 'sse';
  state: 'connecting' | 'ready' | 'down' | 'closed';
  connected: boolean;
  tools: number | null;
  restarts: number;
}

const TRANSPORTS: Record<ServerStatus['transport'], string> = { stdio: 'stdio', 'streamable-http': 'Streamable HTTP', sse: 'HTTP+SSE' };
const STATES: Record<ServerStatus['state'], string> = { ready: 'Connected', connecting: 'Connecting', down: 'Down', closed: 'Closed' };

/** Every upstream server, connected or not, read again every five seconds. */
export function ServersPage() {
  const { data, error } = useApi<{ servers: ServerStatus[] }>('/admin/servers', 5_000);
  return (
    <>
      <h1>Servers</h1>
      <Alert message={error} />
      {data && (
        <table>
          <caption>The MCP servers behind this gateway</caption>
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Status</th>
              <th scope="col">Transport</th>
              <th scope="col" class="number">Tools</th>
              <th scope="col" class="number">Restarts</th>
            </tr>
          </thead>
          <tbody>
            {data.servers.map((server) => (
              <tr key={server.name}>
                <th scope="row">{server.name}</th>
                <td>
                  <span class={`state state-${server.state}`}>{STATES[server.state]}</span>
                </td>
                <td>{TRANSPORTS[server.transport]}</td>
                <td class="number">{server.tools ?? '—'}</td>
                <td class="number">{server.restarts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
