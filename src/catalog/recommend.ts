import type { Classification } from './classify.js';

/** What the catalogue recommends for a tool, as the policy rule `toolgate init` writes for it. */
export type Recommendation =
  | { effect: 'allow'; rule: Record<string, never>; text: string }
  | { effect: 'limit'; rule: { limits: { counter: string; window: 'minute'; max: number; scope: 'grant' }[] }; text: string }
  | { effect: 'approval'; rule: { approval: true }; text: string }
  | { effect: 'hide'; text: string };

/** Calls a minute a grant may make of a Write tool, to begin with: the product's reference rule. */
export const WRITE_LIMIT_PER_MINUTE = 30;

/**
 * A starting policy per class, under `default: deny`: reads allowed; writes limited (a counter `<tool>_rate`, 30 a
 * minute per grant, which for SmartLead's `smartlead_create_client_api_key` is the reference rule); code, money and
 * destruction held for a human or hidden. An operator loosens it from there, knowingly.
 */
export function recommend(tool: string, classification: Classification): Recommendation {
  switch (classification.class) {
    case 'Read':
      return { effect: 'allow', rule: {}, text: 'allow' };
    case 'Write':
      return {
        effect: 'limit',
        rule: { limits: [{ counter: `${tool}_rate`, window: 'minute', max: WRITE_LIMIT_PER_MINUTE, scope: 'grant' }] },
        text: `allow, at most ${WRITE_LIMIT_PER_MINUTE} calls a minute per grant`,
      };
    case 'Execute':
    case 'Financial':
      return { effect: 'approval', rule: { approval: true }, text: 'require approval' };
    case 'Destructive':
      return { effect: 'hide', text: 'hide' };
  }
}
