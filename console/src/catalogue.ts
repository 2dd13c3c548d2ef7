/** The catalogue as `GET /admin/catalog` sends it (src/catalog/catalogue.ts, src/policy/effect.ts), with what the console reads of it. */

export const CLASSES = ['Read', 'Write', 'Execute', 'Financial', 'Destructive'] as const;
export const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export const EFFECTS = ['allowed', 'limited', 'conditional', 'approval', 'denied', 'hidden'] as const;

export type RiskClass = (typeof CLASSES)[number];
export type Severity = (typeof SEVERITIES)[number];
export type EffectKind = (typeof EFFECTS)[number];

export interface LimitEffect {
  counter: string;
  windowMs: number;
  max: number;
  scope: 'grant' | 'session' | 'global';
  incrementFrom?: string;
  increment?: number;
}

export interface ConditionEffect {
  kind: 'require' | 'deny_if' | 'when';
  path: string;
  op: string;
  value: unknown;
}

export interface ToolEffect {
  effect: EffectKind;
  rule: string;
  listed: boolean;
  enforced: boolean;
  message?: string;
  limits?: LimitEffect[];
  conditions?: ConditionEffect[];
  approval?: { timeoutMs: number; message?: string; when?: ConditionEffect[] };
}

/** One rule as `PUT /admin/policies/<server>/tools/<tool>` takes it (src/policy/set-tool-rule.ts). */
export type ToolRule =
  | { rule: 'allow' }
  | { rule: 'deny'; message?: string }
  | { rule: 'limit'; counter: string; window: string | number; max: number; scope?: LimitEffect['scope'] }
  | { rule: 'approval'; message?: string; timeout?: string | number };

export interface CatalogueTool {
  tool: string;
  description?: string;
  class: RiskClass;
  severity: Severity;
  rationale: string[];
  findings: { kind: string; where: string; text: string }[];
  recommended: string;
  recommendedRule: { change: ToolRule; exact: boolean };
  effect: ToolEffect;
  pin: 'reviewed' | 'held' | 'unreviewed' | 'off';
}

export interface ServerCatalogue {
  server: string;
  up: boolean;
  error?: string;
  /** The version of the server's policy the effects come from: what a change names in `If-Match`. */
  policy?: string;
  tools: CatalogueTool[];
}

/** A tool with its server, as a row of the page. */
export interface CatalogueRow extends CatalogueTool {
  server: string;
  policy?: string;
}

/** A held definition beside the pinned one, as `GET /admin/catalog/changes` sends it (src/catalog/definition-review.ts). */
export interface HeldChange {
  server: string;
  tool: string;
  seen: string;
  pinned: string;
  held: string;
  changes: ({ kind: string } & Record<string, unknown>)[];
  summary: string[];
}
