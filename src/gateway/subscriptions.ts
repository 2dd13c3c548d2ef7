import type { JSONRPCNotification, JSONRPCRequest, JSONRPCResponse, Params, RequestId } from '../protocol/jsonrpc.js';
import { ErrorCode, errorResponse, paramsOf, resultResponse } from '../protocol/jsonrpc.js';
import { SUBSCRIPTION_ID_META_KEY, type Era } from '../protocol/eras.js';
import { Cancellation } from '../upstream/cancellation.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import type { CallChannel } from './call-channel.js';
import { SessionsFull, type SessionRegistry } from './session-registry.js';
import { Session, type ListenFilter } from './session.js';

/**
 * Who hears what a server announces outside any call: resource subscriptions counted across the clients of a
 * shared upstream connection, 2026-07-28 listen streams (the clients' to the gateway, and the gateway's own to
 * each 2026-07-28 upstream), and the fan-out of each notification to the sessions that asked for it.
 */
export class Subscriptions {
  /** The gateway's own `subscriptions/listen` stream to each 2026-07-28 upstream, by server name. */
  private readonly upstreamListens = new Map<string, Cancellation>();

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly upstreams: Map<string, UpstreamConnection>,
    private readonly hooks: {
      /** Subscribes a listen stream to a resource, through the pipeline like a client's own subscription. */
      subscribe(listener: Session, upstream: UpstreamConnection, uri: string, channel: CallChannel): Promise<JSONRPCResponse>;
      endSession(session: Session): void;
    },
  ) {}

  /**
   * Subscriptions are counted across the clients of one line to the server. A legacy line is subscribed once per
   * URI and unsubscribed with the last subscriber; a 2026-07-28 line gets the whole set on the gateway's listen
   * stream to it. The policy has admitted the change (the gateway's pipeline) before it gets here.
   */
  async change(session: Session, upstream: UpstreamConnection, method: string, uri: string): Promise<JSONRPCResponse> {
    const id: RequestId = 0;
    if (!canSubscribe(upstream, session.era)) return errorResponse(id, ErrorCode.MethodNotFound, `server "${upstream.name}" does not offer resource subscriptions`);
    const line = upstream.eraFor(session.era);
    const key = subscriptionKey(upstream.name, line, uri);
    const subscribe = method === 'resources/subscribe';
    const others = [...this.sessions.values()].some((s) => s !== session && s.subscriptions.has(key));
    if (!subscribe) session.subscriptions.delete(key);
    if (line === 'modern') {
      if (subscribe) session.subscriptions.add(key);
      if (!others) this.listenUpstream(upstream, subscribe ? [uri] : []);
      return resultResponse(id, {});
    }
    const response = others ? resultResponse(id, {}) : await upstream.request(method, { uri }, { era: session.era });
    // Recorded only once the upstream has agreed, so a refused subscription never stands in for a real one.
    if (subscribe && 'result' in response) session.subscriptions.add(key);
    return response;
  }

  /**
   * `subscriptions/listen` (2026-07-28) is answered by the gateway: the stream stays open and receives the
   * change notifications the client opted in to, from every server behind its endpoint.
   */
  async listen(session: Session, request: JSONRPCRequest, params: Params, channel: CallChannel): Promise<JSONRPCResponse> {
    if (!channel.outbound) return errorResponse(request.id, ErrorCode.InvalidRequest, 'subscriptions/listen needs a stream to deliver on');
    const requested = (params.notifications ?? {}) as ListenFilter;
    const listener = new Session(session.route, session.caller, 'modern', session.protocolVersion, session.clientCapabilities, session.clientInfo);
    // The stream outlives the request that opened it: it is checked again like any session, and ends with its grant.
    listener.credential = session.credential;
    try {
      this.sessions.add(listener);
    } catch (error) {
      if (error instanceof SessionsFull) return errorResponse(request.id, ErrorCode.InvalidRequest, error.message);
      throw error;
    }
    const filter: ListenFilter = {};
    // Honoured only where a server behind the endpoint can say it (its capability declares listChanged).
    const kinds = { toolsListChanged: 'tools', promptsListChanged: 'prompts', resourcesListChanged: 'resources' } as const;
    for (const [key, capability] of Object.entries(kinds) as [keyof typeof kinds, string][]) {
      const offered = session.route.upstreams.some((u) => (u.infoFor('modern')?.capabilities[capability] as { listChanged?: boolean } | undefined)?.listChanged);
      if (requested[key] === true && offered) filter[key] = true;
    }
    const subscribed: string[] = [];
    for (const uri of Array.isArray(requested.resourceSubscriptions) ? requested.resourceSubscriptions : []) {
      const upstream = typeof uri === 'string' ? await session.route.resolveUri(uri) : undefined;
      if (upstream && 'result' in (await this.hooks.subscribe(listener, upstream, uri, channel))) subscribed.push(uri);
    }
    if (subscribed.length > 0) filter.resourceSubscriptions = subscribed;
    listener.listen = { filter, subscriptionId: request.id };
    listener.standalone = channel.outbound;
    channel.outbound.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { [SUBSCRIPTION_ID_META_KEY]: request.id }, notifications: filter },
    } as JSONRPCNotification);
    await Promise.race([listener.ended, new Promise<void>((resolve) => channel.cancellation?.onCancel(() => resolve()))]);
    this.hooks.endSession(listener);
    return resultResponse(request.id, { _meta: { [SUBSCRIPTION_ID_META_KEY]: request.id } });
  }

  /**
   * A 2026-07-28 server sends change notifications only on a `subscriptions/listen` stream, so the gateway keeps
   * one open to each such server for as long as the connection lasts, asking for list changes and for every URI
   * a client subscribed to (`extra` names one being added now). When that set changes the stream is replaced.
   * What arrives on it is shared out like any unsolicited notification.
   */
  listenUpstream(upstream: UpstreamConnection, extra: string[] = []): void {
    const capabilities = upstream.infoFor('modern')!.capabilities as Record<string, { listChanged?: boolean } | undefined>;
    const uris = new Set([...extra, ...this.urisOn(upstream, 'modern')]);
    const notifications = {
      toolsListChanged: Boolean(capabilities.tools?.listChanged),
      promptsListChanged: Boolean(capabilities.prompts?.listChanged),
      resourcesListChanged: Boolean(capabilities.resources?.listChanged),
      ...(uris.size > 0 && { resourceSubscriptions: [...uris] }),
    };
    this.upstreamListens.get(upstream.name)?.cancel();
    if (!Object.values(notifications).some(Boolean)) return;
    const cancellation = new Cancellation();
    this.upstreamListens.set(upstream.name, cancellation);
    void upstream.request('subscriptions/listen', { notifications }, { cancellation });
  }

  /**
   * A legacy line that restarted is a new session to its server, which knows none of the subscriptions the old one
   * held: each URI its clients still hold is subscribed again, as it was admitted then.
   */
  renew(upstream: UpstreamConnection): void {
    for (const uri of this.urisOn(upstream, 'legacy')) void upstream.request('resources/subscribe', { uri }, { era: 'legacy' });
  }

  /** Every URI some session holds a subscription to on the server's line of era `line`. */
  private urisOn(upstream: UpstreamConnection, line: Era): Set<string> {
    const prefix = subscriptionKey(upstream.name, line, '');
    const uris = new Set<string>();
    for (const session of this.sessions.values()) {
      for (const key of session.subscriptions) if (key.startsWith(prefix)) uris.add(key.slice(prefix.length));
    }
    return uris;
  }

  /** Lets go of what a closed session held: upstream subscriptions no other session shares. */
  release(session: Session): void {
    for (const key of session.subscriptions) {
      const [server, line, uri] = key.split('\0') as [string, Era, string];
      const upstream = this.upstreams.get(server);
      if (!upstream || [...this.sessions.values()].some((s) => s.subscriptions.has(key))) continue;
      if (line === 'modern') this.listenUpstream(upstream);
      else void upstream.request('resources/unsubscribe', { uri }, { era: 'legacy' });
    }
  }

  /** Shares out one notification a server sent outside any call, on its line of era `line`, to the clients that line serves. */
  deliver(server: string, notification: JSONRPCNotification, line: Era): void {
    // The gateway's own listen stream on a 2026-07-28 upstream: its acknowledgement is for the gateway alone.
    if (notification.method === 'notifications/subscriptions/acknowledged') return;
    const params = paramsOf(notification);
    // The upstream's subscription id names the gateway's stream to it; each client gets its own or none.
    const { [SUBSCRIPTION_ID_META_KEY]: upstreamSubscription, ...meta } = (params._meta ?? {}) as Record<string, unknown>;
    const plain = upstreamSubscription === undefined ? notification : ({ ...notification, params: { ...params, _meta: meta } } as JSONRPCNotification);
    const upstream = this.upstreams.get(server);
    for (const session of this.sessions.values()) {
      if (!session.route.includes(server) || upstream?.eraFor(session.era) !== line) continue;
      if (notification.method === 'notifications/resources/updated' && !session.subscriptions.has(subscriptionKey(server, line, String(params.uri)))) continue;
      if (session.listen) {
        if (!listenerWants(session.listen.filter, notification.method)) continue;
        session.notify({ ...notification, params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID_META_KEY]: session.listen.subscriptionId } } });
        continue;
      }
      if (notification.method === 'notifications/message' && !session.wantsLog(params.level)) continue;
      session.notify(plain);
    }
  }

  close(): void {
    for (const cancellation of this.upstreamListens.values()) cancellation.cancel();
  }
}

function canSubscribe(upstream: UpstreamConnection, era: Era): boolean {
  return (upstream.infoFor(era)?.capabilities.resources as { subscribe?: boolean } | undefined)?.subscribe === true;
}

/** A subscription as sessions hold it: the server, the line (era) it was made on, and the URI. */
function subscriptionKey(server: string, line: Era, uri: string): string {
  return `${server}\0${line}\0${uri}`;
}

const LISTEN_KEYS: ReadonlyMap<string, keyof ListenFilter> = new Map([
  ['notifications/tools/list_changed', 'toolsListChanged'],
  ['notifications/prompts/list_changed', 'promptsListChanged'],
  ['notifications/resources/list_changed', 'resourcesListChanged'],
  ['notifications/resources/updated', 'resourceSubscriptions'],
]);

/** A listen stream carries only what it opted in to; request-scoped notifications (progress, logs) never. */
function listenerWants(filter: ListenFilter, method: string): boolean {
  const key = LISTEN_KEYS.get(method);
  return key !== undefined && Boolean(filter[key]);
}

