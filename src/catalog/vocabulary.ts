/**
 * The classifier's vocabulary: every word and phrase that counts as evidence, in one table to review. A change
 * here changes answers; the labelled fixture's accuracy test (test/catalog) says whether for the better.
 */

export const CLASSES = ['Read', 'Write', 'Financial', 'Destructive', 'Execute'] as const;
export type RiskClass = (typeof CLASSES)[number];

export const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Verbs, by the class of what they do. A verb names the tool's effect when it leads (or ends) the name. */
export const VERBS: Readonly<Record<string, RiskClass>> = Object.freeze({
  ...all('Read', [
    'get', 'list', 'read', 'search', 'find', 'fetch', 'query', 'lookup', 'look', 'show', 'view', 'describe', 'inspect',
    'retrieve', 'check', 'count', 'browse', 'download', 'export', 'preview', 'watch', 'poll', 'scan', 'explain',
    'analyze', 'analyse', 'summarize', 'summarise', 'compare', 'diff', 'validate', 'verify', 'resolve', 'estimate',
    'calculate', 'compute', 'convert', 'format', 'parse', 'render', 'translate', 'suggest', 'recommend', 'echo',
    'ping', 'test', 'status', 'whoami', 'load', 'print', 'sample', 'think', 'tree', 'stat', 'audit',
    'navigate', 'screenshot', 'snapshot', 'capture', 'trace', 'observe', 'monitor', 'discover', 'explore', 'locate',
    'identify', 'detect', 'extract', 'scrape', 'crawl', 'map', 'research', 'ask', 'answer', 'generate', 'lint', 'tail',
    'compress', 'decompress', 'zip', 'unzip', 'gzip', 'gunzip', 'learn',
  ]),
  ...all('Write', [
    'create', 'add', 'insert', 'new', 'make', 'build', 'update', 'edit', 'modify', 'change', 'set', 'put', 'patch',
    'write', 'save', 'store', 'upload', 'import', 'append', 'rename', 'move', 'copy', 'clone', 'fork', 'merge',
    'assign', 'unassign', 'tag', 'label', 'link', 'unlink', 'attach', 'detach', 'enable', 'disable', 'activate',
    'deactivate', 'start', 'stop', 'pause', 'resume', 'restart', 'reboot', 'schedule', 'reschedule', 'publish',
    'unpublish', 'deploy', 'release', 'approve', 'reject', 'close', 'reopen', 'lock', 'unlock', 'archive',
    'unarchive', 'restore', 'star', 'unstar', 'follow', 'unfollow', 'like', 'react', 'comment', 'reply', 'post',
    'send', 'email', 'mail', 'message', 'notify', 'invite', 'share', 'forward', 'submit', 'request', 'register',
    'subscribe', 'unsubscribe', 'configure', 'install', 'upgrade', 'sync', 'push', 'commit', 'tweet', 'dm', 'sms',
    'call', 'dial', 'mark', 'toggle', 'grant', 'rotate', 'reset', 'regenerate', 'upsert', 'replace',
    'apply', 'click', 'type', 'fill', 'select', 'press', 'hover', 'drag', 'scroll', 'resize', 'handle',
    'scale', 'provision', 'allocate', 'connect', 'disconnect', 'login', 'logout', 'authorize', 'trigger', 'record',
    'log', 'track', 'report', 'enroll', 'join', 'leave', 'accept', 'decline', 'confirm', 'book', 'reserve', 'order',
    'checkout', 'duplicate', 'transfer', 'open', 'complete', 'sort', 'reorder', 'pin', 'unpin', 'mute', 'unmute', 'transition',
    'bump', 'increment', 'decrement', 'init', 'initialize', 'setup', 'prepare', 'finalize', 'finalise', 'manage', 'perform', 'adjust', 'increase', 'decrease', 'raise', 'lower', 'refresh', 'reconcile', 'match',
    'rollback', 'revert', 'undo', 'redo', 'reconnect', 'emulate', 'cordon', 'uncordon', 'cancel',
  ]),
  ...all('Destructive', [
    'delete', 'remove', 'drop', 'destroy', 'purge', 'truncate', 'wipe', 'erase', 'clear', 'flush', 'terminate',
    'kill', 'revoke', 'uninstall', 'deprovision', 'nuke', 'trash', 'discard', 'prune', 'overwrite', 'obliterate',
    'rm', 'del', 'ban', 'block', 'expunge', 'teardown', 'decommission', 'evict', 'cleanup', 'drain',
  ]),
  ...all('Financial', ['pay', 'refund', 'charge', 'payout', 'withdraw', 'deposit', 'purchase', 'buy', 'sell', 'invoice', 'bill', 'tip', 'donate', 'exchange', 'settle', 'reimburse', 'void', 'writeoff']),
  ...all('Execute', ['run', 'exec', 'execute', 'eval', 'evaluate', 'invoke', 'spawn', 'shell', 'bash', 'sh', 'interpret', 'script']),
});

/**
 * Words that are verbs and nouns alike (`email_search`, `message_list`): they name the effect only when the name has
 * no other verb, and only when they lead it; at the end of a name they are its head noun (`tail_log`, `network_request`).
 */
export const WEAK_VERBS: ReadonlySet<string> = new Set([
  'email', 'mail', 'message', 'sms', 'dm', 'tweet', 'post', 'log', 'record', 'report', 'order', 'tag', 'label',
  'comment', 'type', 'star', 'like', 'sample', 'map', 'tree', 'stat', 'status', 'audit', 'trace', 'test', 'bill',
  'invoice', 'charge', 'call', 'script', 'shell', 'bash', 'sh', 'snapshot', 'screenshot', 'new', 'block', 'print',
  'order', 'book', 'tip', 'export', 'import', 'process', 'monitor', 'event', 'note', 'echo', 'request',
]);

/** Writing verbs that do not say whether anything changes: what they start or open may only read. */
export const VAGUE_VERBS: ReadonlySet<string> = new Set(['open', 'trigger', 'handle', 'manage', 'perform']);

/**
 * What a tool asks for when what it starts is a question: a model's answer (inference, sampling, completion) or the
 * user's (elicitation). Asking changes nothing.
 */
export const ANSWER_NOUNS: ReadonlySet<string> = new Set(['inference', 'sampling', 'completion', 'completions', 'elicitation', 'embedding', 'embeddings', 'prediction']);

/**
 * Nouns that make a writing verb move money: `create_refund`, `issue_payout`. With a reading verb they only make
 * the data sensitive (`list_payments`).
 */
export const MONEY_NOUNS: ReadonlySet<string> = new Set([
  'payment', 'payments', 'refund', 'refunds', 'charge', 'charges', 'payout', 'payouts', 'transfer', 'transfers',
  'transaction', 'transactions', 'money', 'funds', 'withdrawal', 'withdrawals', 'purchase', 'purchases', 'order',
  'orders', 'checkout', 'wire', 'swap', 'trade', 'trades', 'donation', 'tip', 'payroll', 'balance', 'wallet',
]);

/** Nouns (and what follows a running verb) that make a tool run code: `run_query`, `execute_command`. */
export const CODE_NOUNS: ReadonlySet<string> = new Set([
  'command', 'commands', 'cmd', 'script', 'scripts', 'code', 'shell', 'bash', 'terminal', 'sql', 'python', 'js',
  'javascript', 'typescript', 'node', 'program', 'process', 'job', 'workflow', 'function', 'lambda', 'notebook', 'cell', 'playbook',
  'query', 'statement', 'migration', 'expression', 'snippet', 'binary', 'pipeline', 'pipelines',
]);

/** Nouns of credentials and access: what can let someone in (severity rises). */
export const ACCESS_NOUNS: ReadonlySet<string> = new Set([
  'key', 'keys', 'apikey', 'token', 'tokens', 'secret', 'secrets', 'password', 'passwords', 'credential',
  'credentials', 'invitation', 'invitations', 'invite', 'invites', 'collaborator', 'collaborators', 'permission',
  'permissions', 'role', 'roles', 'access', 'member', 'members', 'membership', 'admin', 'admins', 'oauth', 'ssh',
  'auth', 'session', 'sessions', 'acl', 'policy', 'policies', 'grant', 'grants', 'owner', 'owners', 'sharing',
  'webhook', 'webhooks', 'certificate', 'certificates', 'cert', 'user', 'users', 'account', 'accounts', 'login',
]);

/** Nouns of messages that reach people: an agent writing one speaks for its operator (severity rises). */
export const MESSAGE_NOUNS: ReadonlySet<string> = new Set([
  'email', 'emails', 'mail', 'message', 'messages', 'sms', 'text', 'campaign', 'campaigns', 'newsletter',
  'notification', 'notifications', 'tweet', 'post', 'posts', 'comment', 'reply', 'dm', 'chat', 'sequence',
  'broadcast', 'announcement', 'invite', 'invitation', 'slack', 'call',
]);

/**
 * Head nouns of a name without a verb that say it tells rather than changes (`pipelines_info`, `cost-explorer`).
 */
export const INFORMATION_NOUNS: ReadonlySet<string> = new Set([
  'info', 'information', 'details', 'detail', 'status', 'stats', 'statistics', 'metrics', 'summary', 'overview',
  'explorer', 'history', 'usage', 'logs', 'insights', 'docs', 'documentation', 'help', 'schema', 'version', 'health',
]);

/** Where a tool acts in a browser as its user: clicks, fills and navigates are actions on the open web. */
export const BROWSER_WORDS: ReadonlySet<string> = new Set(['browser', 'puppeteer', 'playwright', 'selenium', 'chrome', 'chromium', 'webdriver']);

/**
 * Verbs that act on a site in a browser, as its logged-in user: these run the site's handlers (a click submits, a
 * navigation runs the page's scripts). Closing, resizing or emulating acts on the browser itself, not on a site.
 */
export const BROWSER_ACTS: ReadonlySet<string> = new Set([
  'navigate', 'open', 'go', 'click', 'type', 'fill', 'select', 'press', 'hover', 'drag', 'drop', 'upload', 'submit', 'handle', 'scroll',
]);

/** Reading verbs that examine code they are given without running it (`validate(code)`, `explain(sql)`). */
export const CODE_INSPECTING_VERBS: ReadonlySet<string> = new Set(['validate', 'lint', 'explain', 'format', 'parse', 'check', 'analyze', 'analyse', 'verify', 'diff', 'compare', 'preview']);

/** Verbs that read elsewhere but move money when what they act on is money (`charges.capture`, `capturePaymentIntent`). */
export const MONEY_VERBS: ReadonlySet<string> = new Set(['capture', 'authorize']);

/** The nouns of secrets: a tool that generates one makes a credential. */
export const SECRET_NOUNS: ReadonlySet<string> = new Set(['key', 'keys', 'apikey', 'token', 'tokens', 'secret', 'secrets', 'password', 'passwords', 'credential', 'credentials']);

/** What a read exposes that lets someone in, beside credentials by name: env dumps, cookies, request headers. */
export const SECRET_READS: ReadonlySet<string> = new Set(['env', 'environment', 'cookie', 'cookies', 'header', 'headers']);

/** Reading verbs that hand over data in bulk (severity High). */
export const EXPORTING_VERBS: ReadonlySet<string> = new Set(['export', 'dump']);

/** Verbs that send what they make to people: a message drafted is an ordinary write, one sent speaks for its operator. */
export const SENDING_VERBS: ReadonlySet<string> = new Set([
  'send', 'post', 'email', 'mail', 'message', 'reply', 'dm', 'sms', 'tweet', 'notify', 'broadcast', 'invite', 'forward', 'share', 'publish', 'call', 'dial',
]);

/** Changes that are trivial and reversible (severity Low): a toggle, a reaction, a star. */
export const TRIVIAL_VERBS: ReadonlySet<string> = new Set(['toggle', 'react', 'star', 'unstar', 'pin', 'unpin', 'mute', 'unmute', 'follow', 'unfollow']);

/** What is trivial to make and removes nothing (severity Low): a new folder, branch or snapshot. */
export const TRIVIAL_NOUNS: ReadonlySet<string> = new Set(['folder', 'directory', 'branch', 'reaction', 'snapshot']);

/** Whole stores of data: destroying one is Critical. */
export const STORE_NOUNS: ReadonlySet<string> = new Set(['bucket', 'buckets', 'database', 'databases', 'db', 'namespace', 'namespaces', 'project', 'projects', 'table', 'tables', 'repository', 'repositories', 'cluster', 'index']);

/** Destructive verbs that take everything at once (`truncate` empties a table, `purge` a queue). */
export const WHOLESALE_VERBS: ReadonlySet<string> = new Set(['truncate', 'purge', 'wipe', 'nuke', 'obliterate']);

/** One piece of configuration: removing it is undone by adding it again (severity Medium). */
export const CONFIGURATION_NOUNS: ReadonlySet<string> = new Set(['route', 'routes', 'cron', 'binding', 'var', 'variable', 'alarm', 'domain', 'schedule', 'label', 'tag', 'block', 'reaction']);

/** Words of money leaving the account (a Financial tool with one is Critical). */
export const MONEY_LEAVING: ReadonlySet<string> = new Set(['refund', 'payout', 'transfer', 'pay', 'charge', 'withdraw', 'send']);

/** Words that make one call touch many things (severity rises). */
export const BULK_WORDS: ReadonlySet<string> = new Set(['bulk', 'batch', 'mass', 'all', 'many', 'multiple', 'every', 'recursive', 'recursively']);

/** Personal or business data a read exposes (a read of it is Medium, not Low). */
export const SENSITIVE_NOUNS: ReadonlySet<string> = new Set([
  'contact', 'contacts', 'lead', 'leads', 'customer', 'customers', 'person', 'people', 'profile', 'profiles',
  'email', 'emails', 'message', 'messages', 'conversation', 'conversations', 'inbox', 'thread', 'threads', 'file',
  'files', 'document', 'documents', 'record', 'records', 'database', 'table', 'tables', 'row', 'rows', 'log', 'logs',
  'history', 'employee', 'employees', 'patient', 'patients', 'address', 'phone', 'location', 'calendar', 'event',
  'events', 'note', 'notes', 'payment', 'payments', 'invoice', 'invoices', 'transaction', 'transactions', 'order',
  'orders', 'balance', 'analytics', 'report', 'reports', 'user', 'users', 'account', 'accounts', 'member', 'members',
]);

/** Phrases in a description that mean the effect cannot be taken back. */
export const IRREVERSIBLE_PHRASES: readonly RegExp[] = [
  /\bcannot be undone\b/i,
  /\bcan ?not be (recovered|reversed|restored)\b/i,
  /\birreversibl[ey]\b/i,
  /\bpermanent(ly)?\b/i,
  /\bno way to (recover|undo)\b/i,
];

/** Phrases in a change's description that say what it destroys: what was there is overwritten, replaced or dropped. */
export const DESTROYING_PHRASES: readonly RegExp[] = [
  /\boverwrites? (an? |the |any )?existing\b/i,
  /\breplac(e|es|ing) (its|the) (current|existing|remote|live)\b/i,
  /\bdiscard(s|ing)? (all )?(uncommitted|unsaved|local|pending)\b/i,
  /\b(is|are) (dropped|deleted|destroyed|wiped|erased|purged)\b/i,
  /\binvalidat(e|es|ing) (the )?(old|existing|current|previous)\b/i,
];

/** Name words that make a change override its safeguards: a force-push rewrites shared history. */
export const FORCE_WORDS: ReadonlySet<string> = new Set(['force', 'forced', 'hard']);

/** Destructive verbs that only stop something when what they act on is running (`kill_process`). */
export const STOPPING_VERBS: ReadonlySet<string> = new Set(['kill', 'terminate']);

/** What a vague verb (`trigger_pipeline`) starts that runs code: CI pipelines, jobs and functions run their scripts. */
export const RUNNABLE_NOUNS: ReadonlySet<string> = new Set(['pipeline', 'pipelines', 'job', 'jobs', 'workflow', 'workflows', 'function', 'lambda', 'script', 'playbook']);

/**
 * What cannot be restarted once cancelled: cancelling one destroys it (a subscription cannot be reactivated). Other
 * cancels (an order, a job, a meeting) stop something that can be made again: a Write.
 */
export const UNRESTARTABLE_NOUNS: ReadonlySet<string> = new Set(['subscription', 'subscriptions']);

/** What runs rather than is stored: stopping it loses nothing kept. */
export const RUNNING_NOUNS: ReadonlySet<string> = new Set(['process', 'processes', 'pid', 'query', 'queries', 'connection', 'connections', 'thread', 'threads']);

/** Phrases in a description that say what it makes reaches people: a "preview" delivered to a list is a send. */
export const DELIVERY_PHRASES: readonly RegExp[] = [/\b(is|are|gets?) (delivered|sent|e-?mailed|mailed|posted|forwarded) to\b/i];

/** Phrases in a description that mean the tool runs what it is given. */
export const EXECUTION_PHRASES: readonly RegExp[] = [
  /\b(execute|run|evaluate)s? (an? |the )?(arbitrary|any|given|provided|shell|bash|python|javascript|sql)\b/i,
  /\b(shell|terminal|bash) commands?\b/i,
  /\barbitrary code\b/i,
  // A package's install scripts are its author's code.
  /\bscripts? (run|execute)\b/i,
];

/** Argument names that carry code or commands to run. */
// A template the server renders is code in its template language (server-side template injection).
export const CODE_ARGUMENTS: ReadonlySet<string> = new Set(['command', 'commands', 'cmd', 'script', 'code', 'shell', 'bash', 'python', 'javascript', 'js', 'program', 'expression', 'eval', 'template']);

/**
 * Argument names of an amount of money the call moves (`amount`), as against what describes a thing sold (`price`,
 * `unit_amount`, `currency`, `amount_off`): creating a price or a coupon moves nothing.
 */
export const MONEY_ARGUMENTS: ReadonlySet<string> = new Set(['amount', 'amount_cents', 'amount_in_cents', 'value_usd']);

/** Writing verbs that record what happened rather than make it happen: an expense recorded moves no money. */
export const RECORDING_VERBS: ReadonlySet<string> = new Set(['record', 'log', 'track', 'note', 'reconcile']);

/**
 * Argument names of a bank account: a change that takes one says where money goes (`add_bank_account`, a payout
 * destination). Matched on the name's words joined by `_` (`routingNumber` is `routing_number`).
 */
export const BANK_ARGUMENTS: ReadonlySet<string> = new Set(['account_number', 'routing_number', 'iban', 'swift', 'bic', 'sort_code', 'bank_account']);

/** Demands for payment: a draft one is a Write, one sent, finalised or approved asks a person for money. */
export const MONEY_DEMANDS: ReadonlySet<string> = new Set(['invoice', 'invoices', 'bill', 'bills']);

/** What makes a demand for payment take effect. */
export const DEMANDING_VERBS: ReadonlySet<string> = new Set(['send', 'email', 'mail', 'finalize', 'finalise', 'approve', 'issue', 'submit', 'void', 'writeoff']);

/** Phrases in a change's description that say money is taken or paid by it. */
export const MONEY_PHRASES: readonly RegExp[] = [
  /\b(charged|billed|debited) (to|upfront|monthly|immediately|at once)\b/i,
  /\b(is|are) paid\b/i,
];

/** Argument names of people a message goes to. */
export const RECIPIENT_ARGUMENTS: ReadonlySet<string> = new Set(['to', 'recipient', 'recipients', 'cc', 'bcc', 'emails', 'email_addresses', 'phone_number', 'channel', 'channel_id', 'chat_id', 'user_ids']);

/** Argument names that reach an address the caller chooses: the open world. */
export const URL_ARGUMENTS: ReadonlySet<string> = new Set(['url', 'urls', 'uri', 'endpoint', 'webhook_url', 'callback_url', 'href', 'link', 'website']);

/** Operation-picking argument names that, on a tool named for reading, only filter what it reads. */
export const FILTER_ARGUMENTS: ReadonlySet<string> = new Set(['type', 'mode']);

/** The names of an argument that picks the operation of a consolidated tool (`issue_write` with `method`). */
export const OPERATION_ARGUMENTS: ReadonlySet<string> = new Set(['method', 'action', 'operation', 'op', 'mode', 'verb', 'command', 'type', 'intent', 'task']);

function all(riskClass: RiskClass, words: string[]): Record<string, RiskClass> {
  return Object.fromEntries(words.map((word) => [word, riskClass]));
}
